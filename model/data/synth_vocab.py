"""Vocabulary of the synthetic shop: the category tree, brands, and the text templates.

Each leaf category has its own product noun and attribute words, so every text the shop writes
(titles, descriptions, reviews, queries, bios) names its category in words a text encoder can tell
apart. Top-level categories carry the brands, the review aspects and a description line.

Usage:
    from model.data.synth_vocab import LEAVES, TOPS
    LEAVES[0].path, TOPS[LEAVES[0].top].brands
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Top:
    """A top-level category: its brands, what reviews talk about, a description line ({a})."""

    brands: tuple
    aspects: tuple
    pitch: str


@dataclass(frozen=True)
class Leaf:
    """A leaf category: path, median price, product noun, attribute words, a bio phrase."""

    path: str
    price: float
    noun: str
    attributes: tuple
    interest: str

    @property
    def top(self):
        return self.path.split(" > ")[0]


TOPS = {
    "Clothing": Top(
        ("Northwind", "Lumen & Co", "Urban Thread", "Maison Vale", "Pinecrest", "Solstice"),
        ("fit", "fabric", "stitching", "colour", "sizing"),
        "Made with {a} details for an easy, comfortable fit; machine washable."),
    "Electronics": Top(
        ("Voltix", "Aurora Labs", "Kestrel", "Nimbus", "Quanta", "Helix"),
        ("battery life", "build quality", "performance", "setup", "screen"),
        "Built around a {a} design, with a two-year warranty and free software updates."),
    "Home & Kitchen": Top(
        ("Hearth & Home", "Copperleaf", "Oakline", "Casa Nova", "Brightwell", "Linden"),
        ("finish", "build quality", "size", "cleaning", "comfort"),
        "A {a} piece that brings comfort and order to your home."),
    "Sports & Outdoors": Top(
        ("Summit Trail", "Ridgeback", "Aquafin", "Peakform", "Velocita", "Boreal"),
        ("durability", "grip", "weight", "comfort", "packability"),
        "Field tested: {a}, durable and ready for training or the trail."),
    "Books": Top(
        ("Harbor Press", "Inkwell Books", "Meridian House", "Lantern Publishing", "Blue Quill",
         "Foxglove Editions"),
        ("story", "writing", "characters", "pacing", "print quality"),
        "A {a} read from an acclaimed author, in paperback and hardcover."),
    "Beauty": Top(
        ("Velvet Rose", "Dermalux", "Glowbar", "Pure Petal", "Oro Beauty", "Maris"),
        ("scent", "texture", "packaging", "finish", "results"),
        "A {a} formula, dermatologist tested and cruelty free."),
    "Toys & Games": Top(
        ("Brickwise", "Playforge", "Tinker Tots", "Meeple House", "Kidsmith", "Orbit Toys"),
        ("fun factor", "pieces", "instructions", "durability", "replay value"),
        "A {a} set for family play, recommended for ages 8 and up."),
}

LEAVES = (
    Leaf("Clothing > Women > Dresses", 45, "dress",
         ("floral", "midi", "maxi", "wrap", "linen", "sleeveless", "evening"), "summer dresses"),
    Leaf("Clothing > Women > Blouses", 30, "blouse",
         ("silk", "ruffled", "cropped", "striped", "chiffon", "oversized"), "silk blouses"),
    Leaf("Clothing > Men > Shirts", 35, "shirt",
         ("oxford", "slim-fit", "flannel", "button-down", "checked", "short-sleeve"),
         "smart shirts"),
    Leaf("Clothing > Men > Jeans", 55, "jeans",
         ("denim", "straight-leg", "stretch", "distressed", "tapered", "dark-wash"),
         "good denim"),
    Leaf("Clothing > Shoes > Sneakers", 80, "sneakers",
         ("running", "leather", "canvas", "high-top", "white", "cushioned"), "sneakers"),
    Leaf("Clothing > Kids > Jackets", 40, "kids jacket",
         ("waterproof", "padded", "hooded", "fleece-lined", "reflective"), "kids' clothes"),
    Leaf("Electronics > Computers > Laptops", 900, "laptop",
         ("ultralight", "14-inch", "16GB RAM", "OLED", "gaming", "touchscreen"),
         "laptops"),
    Leaf("Electronics > Audio > Headphones", 120, "headphones",
         ("wireless", "noise-cancelling", "over-ear", "bluetooth", "foldable", "studio"),
         "headphones"),
    Leaf("Electronics > Audio > Speakers", 90, "speaker",
         ("portable", "smart", "bluetooth", "stereo", "outdoor", "voice-controlled"),
         "home audio"),
    Leaf("Electronics > Phones > Smartphones", 600, "smartphone",
         ("5G", "dual-camera", "128GB", "unlocked", "6.5-inch", "fast-charging"),
         "the latest phones"),
    Leaf("Electronics > Phones > Phone Cases", 18, "phone case",
         ("silicone", "rugged", "clear", "magnetic", "slim", "shockproof"), "phone accessories"),
    Leaf("Electronics > Cameras > Action Cameras", 250, "action camera",
         ("4K", "stabilized", "wide-angle", "helmet-mount", "underwater", "60fps"),
         "filming adventures"),
    Leaf("Home & Kitchen > Kitchen > Cookware", 70, "frying pan",
         ("nonstick", "cast-iron", "stainless steel", "induction-ready", "ceramic", "12-inch"),
         "cooking at home"),
    Leaf("Home & Kitchen > Kitchen > Coffee Makers", 110, "coffee maker",
         ("espresso", "drip", "programmable", "milk-frothing", "single-serve", "thermal"),
         "good coffee"),
    Leaf("Home & Kitchen > Furniture > Office Chairs", 180, "office chair",
         ("ergonomic", "mesh", "lumbar-support", "adjustable", "swivel", "high-back"),
         "home office setups"),
    Leaf("Home & Kitchen > Bedding > Duvet Covers", 60, "duvet cover",
         ("cotton", "king-size", "percale", "washed-linen", "striped", "hypoallergenic"),
         "cosy bedrooms"),
    Leaf("Home & Kitchen > Decor > Candles", 20, "candle",
         ("scented", "soy", "vanilla", "lavender", "three-wick", "amber jar"), "home decor"),
    Leaf("Sports & Outdoors > Camping > Tents", 150, "tent",
         ("2-person", "waterproof", "ultralight", "pop-up", "four-season", "freestanding"),
         "camping trips"),
    Leaf("Sports & Outdoors > Camping > Sleeping Bags", 70, "sleeping bag",
         ("down", "mummy", "3-season", "compact", "synthetic-fill", "zero-degree"),
         "sleeping under the stars"),
    Leaf("Sports & Outdoors > Fitness > Yoga Mats", 30, "yoga mat",
         ("non-slip", "cork", "extra-thick", "eco-friendly", "travel", "alignment-line"), "yoga"),
    Leaf("Sports & Outdoors > Fitness > Dumbbells", 60, "dumbbell set",
         ("adjustable", "hex", "rubber-coated", "neoprene", "20kg", "quick-lock"),
         "strength training"),
    Leaf("Sports & Outdoors > Cycling > Bike Helmets", 65, "bike helmet",
         ("MIPS", "ventilated", "aero", "road", "mountain", "LED-lit"), "cycling"),
    Leaf("Books > Fiction > Mystery & Thriller", 15, "thriller novel",
         ("detective", "psychological", "page-turning", "crime", "suspenseful", "noir"),
         "mystery novels"),
    Leaf("Books > Fiction > Science Fiction", 16, "sci-fi novel",
         ("space opera", "dystopian", "time-travel", "alien", "cyberpunk", "galactic"),
         "science fiction"),
    Leaf("Books > Non-Fiction > Cookbooks", 25, "cookbook",
         ("vegetarian", "baking", "italian", "weeknight", "plant-based", "barbecue"),
         "new recipes"),
    Leaf("Books > Children's > Picture Books", 12, "picture book",
         ("bedtime", "illustrated", "animal", "rhyming", "alphabet", "lift-the-flap"),
         "reading with my kids"),
    Leaf("Beauty > Skincare > Moisturizers", 30, "moisturizer",
         ("hydrating", "hyaluronic", "SPF 30", "fragrance-free", "night", "oil-free"),
         "skincare"),
    Leaf("Beauty > Makeup > Lipstick", 22, "lipstick",
         ("matte", "long-lasting", "nude", "classic red", "satin", "creamy"), "makeup"),
    Leaf("Beauty > Fragrance > Perfume", 75, "eau de parfum",
         ("floral", "woody", "citrus", "musky", "amber", "fresh"), "fragrances"),
    Leaf("Beauty > Hair Care > Shampoo", 14, "shampoo",
         ("sulfate-free", "argan oil", "volumizing", "anti-dandruff", "color-safe", "clarifying"),
         "hair care"),
    Leaf("Toys & Games > Building Sets > Construction Kits", 45, "building set",
         ("500-piece", "technic", "castle", "spaceship", "motorized", "city"), "building sets"),
    Leaf("Toys & Games > Board Games > Strategy Games", 40, "board game",
         ("strategy", "cooperative", "family", "two-player", "deck-building", "worker-placement"),
         "board game nights"),
    Leaf("Toys & Games > Puzzles > Jigsaw Puzzles", 20, "jigsaw puzzle",
         ("1000-piece", "landscape", "panoramic", "wooden", "art", "glow-in-the-dark"),
         "jigsaw puzzles"),
)

# Review sentences by sentiment (rating 1-2 negative, 3 mixed, 4-5 positive). Slots: {noun},
# {attr}, {aspect}, {adj}, {brand}.
SENTIMENTS = ("negative", "mixed", "positive")
REVIEW_OPENERS = {
    "negative": ("Disappointed with this {attr} {noun}.", "Would not recommend this {noun}.",
                 "This {attr} {noun} broke after a week.", "Really unhappy with this {noun}."),
    "mixed": ("This {attr} {noun} is okay.", "Decent {noun}, nothing special.",
              "Mixed feelings about this {attr} {noun}.", "An average {noun} overall."),
    "positive": ("Love this {attr} {noun}!", "Great {noun}, exactly as described.",
                 "Really happy with this {attr} {noun}.", "Best {noun} I have owned."),
}
REVIEW_ASPECT = "The {aspect} is {adj}."
REVIEW_ADJECTIVES = {
    "negative": ("poor", "disappointing", "flimsy", "terrible", "cheap"),
    "mixed": ("fine", "average", "acceptable", "so-so", "okay"),
    "positive": ("excellent", "great", "superb", "perfect", "lovely"),
}
REVIEW_CLOSERS = {
    "negative": ("Returned it.", "Would not buy from {brand} again.", "Waste of money."),
    "mixed": ("Okay for the price.", "Might try another {brand} product.", "Does the job."),
    "positive": ("Would buy from {brand} again.", "Highly recommend.", "Worth every penny."),
}

# Search queries typed before clicking an item. Slots: {noun}, {attr}, {brand}.
QUERY_TEMPLATES = ("{noun}", "{attr} {noun}", "{brand} {noun}", "{attr} {noun} {brand}",
                   "best {attr} {noun}", "{noun} {attr}")

# Bios: {p1} is the user's main interest, {p2} the second.
BIO_ONE = ("Loves {p1}.", "Always on the lookout for {p1}.", "Mostly here for {p1}.")
BIO_TWO = ("Into {p1} and {p2}.", "{P1} fan; also enjoys {p2}.",
           "Spends weekends on {p1} and {p2}.")
