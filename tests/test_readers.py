"""Public-dataset readers: tiny fixtures per source format; what survives, what is quarantined."""
import gzip
import json
import os
import zipfile

import numpy as np
import pytest
import scipy.io

from model.data.fetch import extract_movielens_100k, fetch_movielens_100k, ML100K_IN_WHEEL
from model.data.readers import convert
from persona import cli
from persona.errors import PersonaError


def write(directory, files):
    os.makedirs(directory, exist_ok=True)
    for name, content in files.items():
        path = os.path.join(directory, name)
        if name.endswith(".zip"):
            with zipfile.ZipFile(path, "w") as z:
                z.writestr("folder/" + name[:-4] + ".txt", content)
        elif name.endswith(".gz"):
            with gzip.open(path, "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)
        else:
            with open(path, "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)
    return str(directory)


def quarantined(q):
    """{(file, line, column, reason)} of the quarantined rows."""
    return {(r["file"], r["line"], r["column"], r["reason"]) for r in q.rows}


def run_convert(fmt, src, tmp_path):
    out = str(tmp_path / "out")
    ds, q = convert(fmt, src, out)
    assert os.path.isfile(os.path.join(out, "quarantine.csv"))
    return ds, q


INTER = ("user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
         "1\t10\t4\t881250949\n"
         "2\t10\t5\t881250950\n"
         "2\t20\tfive\t881250951\n"
         "\t20\t3\t881250952\n"
         "1\t20\t3\n")
ITEM = ("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        "10\tToy Story\t1995\tAnimation Children's Comedy\n"
        "20\tunknown\tunkonwn\tunknown\n")
USER = ("user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
        "1\t24\tM\ttechnician\t85711\n2\t53\tF\tother\t94043\n")


def test_movielens_recbole_atomic(tmp_path):
    src = write(tmp_path / "ml", {"ml-100k.inter": INTER, "ml-100k.item": ITEM,
                                  "ml-100k.user": USER})
    ds, q = run_convert("movielens", src, tmp_path)
    assert ds.events[["user_id", "item_id", "rating", "timestamp"]].values.tolist() == [
        ["1", "10", 4.0, 881250949], ["2", "10", 5.0, 881250950]]
    assert set(ds.events.event) == {"rating"} and ds.has_time
    assert ds.items.title.tolist() == ["Toy Story (1995)", "unknown"]
    assert ds.items.category.tolist() == ["Animation|Children's|Comedy", "unknown"]
    assert ds.users.set_index("user_id").loc["2", "occupation"] == "other"
    assert quarantined(q) == {
        ("ml-100k.inter", 4, "rating", "non-numeric rating"),
        ("ml-100k.inter", 5, "user_id", "missing user_id"),
        ("ml-100k.inter", 6, "", "expected 4 fields separated by '\\t'")}


def test_movielens_original_files(tmp_path):
    genres = ["0"] * 19
    genres[5] = genres[8] = "1"  # Comedy, Drama
    u_item = "|".join(["1", "Amélie (2001)", "01-Jan-2001", "", "http://x"] + genres) + "\n"
    src = write(tmp_path / "ml", {"u.data": "1\t1\t5\t874965758\n2\t1\t3\tnot-a-time\n",
                                  "u.item": u_item.encode("latin-1"),
                                  "u.user": "1|24|M|technician|85711\n"})
    ds, q = run_convert("movielens", src, tmp_path)
    assert ds.items.title.tolist() == ["Amélie (2001)"]
    assert ds.items.category.tolist() == ["Comedy|Drama"]
    assert ds.events.timestamp.tolist() == [874965758]
    assert quarantined(q) == {("u.data", 2, "timestamp", "unparsable timestamp")}


def test_amazon_preprocessed_files_without_time(tmp_path):
    src = write(tmp_path / "clothing", {
        "rating.zip": "A1\tB01\t5.0\nA2\tB01\t2.0\nA2\tB02\tgood\nA3\tB03\t4.0\n",
        "text.zip": "B01::A tutu, soft :: elastic waist.\nB02::Plain shirt\nB03\n",
        "item_ids.zip": "B01\nB02\nB04\n",
        "context.zip": "B01\tB02\n"})
    ds, q = run_convert("amazon", src, tmp_path)
    assert not ds.has_time
    assert ds.events[["user_id", "item_id", "rating"]].values.tolist() == [
        ["A1", "B01", 5.0], ["A2", "B01", 2.0], ["A3", "B03", 4.0]]
    desc = dict(zip(ds.items.item_id, ds.items.description))
    assert desc == {"B01": "A tutu, soft :: elastic waist.", "B02": "Plain shirt", "B04": "",
                    "B03": ""}
    assert ds.social.empty  # also-bought pairs are item context, not friendships
    assert quarantined(q) == {("rating.txt", 3, "rating", "non-numeric rating"),
                              ("text.txt", 3, "", "expected 2 fields separated by '::'")}


def test_amazon_ratings_with_sentiment_become_reviews(tmp_path):
    src = write(tmp_path / "toy", {
        "rating.zip": b"U1,I1,5,1390953600\nU2,I1,2,1395964800\nU3,I2,4,yesterday\n"
                      b"U\xff4,I2,3,1395964801\nU5,I2,4,1395964802\n",
        "sentiment.zip": "U1,I1,paint:great:1,money:waste:-1\nU2,I1,toy:like:0\n"
                         "U5,I2,broken tuple\nU9,I2,fun:great:1\n"})
    ds, q = run_convert("amazon", src, tmp_path)
    events = ds.events.set_index("user_id")
    assert events.loc["U1", "text"] == "paint: great (positive); money: waste (negative)"
    assert events.loc["U1", "event"] == "review" and events.loc["U1", "rating"] == 5.0
    assert events.loc["U2", "text"] == "toy: like (neutral)"
    assert events.loc["U5", "event"] == "rating" and events.loc["U5", "text"] == ""
    assert events.loc["U1", "timestamp"] == 1390953600 and ds.has_time
    assert quarantined(q) == {
        ("rating.txt", 3, "timestamp", "unparsable timestamp"),
        ("rating.txt", 4, "", "invalid utf-8 text"),
        ("sentiment.txt", 3, "tuples", "malformed aspect:opinion:polarity list"),
        ("sentiment.txt", 4, "", "no rating for this user and item")}


def test_amazon_review_and_metadata_json(tmp_path):
    reviews = "\n".join([
        json.dumps({"reviewerID": "R1", "asin": "P1", "overall": 4.0, "summary": "Nice fit",
                    "reviewText": "Soft fabric.", "unixReviewTime": 1400000000}),
        json.dumps({"reviewerID": "R2", "asin": "P2", "overall": 2.0,
                    "reviewTime": "09 13, 2009"}),
        '{"reviewerID": "R3", "asin": "P1", "overall": ',
        json.dumps({"reviewerID": "R3", "asin": "P1", "overall": "n/a",
                    "unixReviewTime": 1400000001}),
        json.dumps({"asin": "P1", "overall": 3.0, "unixReviewTime": 1400000002})]) + "\n"
    meta_2014 = repr({"asin": "P1", "title": "Tutu", "categories": [
        ["Clothing, Shoes & Jewelry", "Girls"], ["Costumes"]], "price": 9.5, "brand": "Acme"})
    meta_2018 = json.dumps({"asin": "P3", "title": "Boot", "description": ["Leather.", "Tall."],
                            "category": ["Shoes", "Boots"], "price": "$1,012.99"})
    src = write(tmp_path / "json", {"reviews_Clothing_5.json.gz": reviews,
                                    "meta_Clothing.json": meta_2014 + "\n" + meta_2018 + "\n"})
    ds, q = run_convert("amazon", src, tmp_path)
    assert ds.events[["user_id", "item_id", "event", "rating", "text", "timestamp"]] \
        .values.tolist() == [["R1", "P1", "review", 4.0, "Nice fit. Soft fabric.", 1400000000],
                             ["R2", "P2", "rating", 2.0, "", 1252800000]]
    items = ds.items.set_index("item_id")
    assert items.loc["P1", "category"] == "Clothing, Shoes & Jewelry > Girls|Costumes"
    assert items.loc["P1", "brand"] == "Acme" and items.loc["P1", "price"] == 9.5
    assert items.loc["P3", "description"] == "Leather. Tall."
    assert items.loc["P3", "category"] == "Shoes > Boots" and items.loc["P3", "price"] == 1012.99
    assert items.loc["P2", "title"] == ""  # reviewed, but not in the metadata
    assert quarantined(q) == {
        ("reviews_Clothing_5.json", 3, "", "unparsable JSON"),
        ("reviews_Clothing_5.json", 4, "overall", "non-numeric rating (overall)"),
        ("reviews_Clothing_5.json", 5, "reviewerID", "missing reviewerID")}


def ciao_dir(tmp_path, timestamp=True):
    rating = np.array([[1, 100, 2, 5, 3, 959670000],
                       [2, 100, 2, 4, 1, 959670001],
                       [2, 200, 1, 3, 1, 959670002],
                       [3, 200, 7, 5, 1, 959670003],
                       [3, 300, 1, np.nan, 1, 959670004],
                       [np.nan, 300, 1, 2, 1, 959670005]], dtype=float)
    src = tmp_path / ("ciao" if timestamp else "epinions")
    os.makedirs(src)
    if timestamp:
        scipy.io.savemat(src / "rating_with_timestamp.mat", {"rating": rating})
        scipy.io.savemat(src / "trust.mat", {"trust": np.array([[1, 2], [2, 1], [3, 1]])})
        write(src, {"catalog_ciao.txt": "1 DVDs\r\n2 Food & Drink\r\nx Books\r\n"})
    else:
        scipy.io.savemat(src / "rating.mat", {"rating": rating[:4, :5]})
        scipy.io.savemat(src / "trustnetwork.mat", {"trustnetwork": np.array([[1, 3]])})
    return str(src)


def test_ciao_mat_files(tmp_path):
    ds, q = run_convert("ciao", ciao_dir(tmp_path), tmp_path)
    assert ds.events[["user_id", "item_id", "rating", "timestamp"]].values.tolist() == [
        ["1", "100", 5.0, 959670000], ["2", "100", 4.0, 959670001],
        ["2", "200", 3.0, 959670002], ["3", "200", 5.0, 959670003]]
    # item 200 is filed under categories 1 and 7 once each: the first listed wins; 7 has no name
    assert dict(zip(ds.items.item_id, ds.items.category)) == {"100": "Food & Drink",
                                                              "200": "DVDs"}
    assert ds.social.values.tolist() == [["1", "2", 1.0, 1], ["2", "1", 1.0, 1],
                                         ["3", "1", 1.0, 1]]  # directed trust, both kept
    assert quarantined(q) == {
        ("rating_with_timestamp.mat", 5, "rating", "non-numeric rating"),
        ("rating_with_timestamp.mat", 6, "user", "missing or non-integer user id"),
        ("catalog_ciao.txt", 3, "id", "non-integer category id")}


def test_epinions_mat_without_timestamp_keeps_file_order(tmp_path):
    ds, q = run_convert("epinions", ciao_dir(tmp_path, timestamp=False), tmp_path)
    assert not ds.has_time and ds.events.timestamp.is_monotonic_increasing
    assert len(ds.events) == 4 and set(ds.items.category) == {"2", "1"}  # no catalogue
    assert ds.social.values.tolist() == [["1", "3", 1.0, 1]]
    assert len(q) == 0


def test_unreadable_mat_file_is_a_clear_error(tmp_path):
    src = write(tmp_path / "ciao", {"rating_with_timestamp.mat": b"not a matlab file"})
    with pytest.raises(PersonaError, match="rating_with_timestamp.mat"):
        convert("ciao", src, str(tmp_path / "out"))


def lastfm_dir(tmp_path):
    return write(tmp_path / "lastfm", {
        "artists.dat": "id\tname\turl\tpictureURL\n1\tRöyksopp\tu\tp\n2\tMetallica\tu\tp\n"
                       "3\tBjörk\tu\tp\n",
        "user_artists.dat": "userID\tartistID\tweight\n2\t1\t13883\n2\t2\t11690\n3\t2\tmany\n"
                            "3\t3\t7\n",
        "tags.dat": "tagID\ttagValue\n1\tmetal\n2\tmúsica electrónica\n".encode("latin-1"),
        "user_taggedartists.dat": "userID\tartistID\ttagID\tday\tmonth\tyear\n"
                                  "2\t1\t2\t1\t4\t2009\n2\t1\t1\t1\t4\t2009\n"
                                  "3\t1\t1\t2\t5\t2010\n2\t99\t1\t1\t4\t2009\n"
                                  "2\t2\t42\t1\t4\t2009\n",
        "user_friends.dat": "userID\tfriendID\n2\t3\n3\t2\n3\t4\n",
    })


def test_lastfm(tmp_path):
    ds, q = run_convert("lastfm", lastfm_dir(tmp_path), tmp_path)
    ev = ds.events
    assert ev[["user_id", "item_id", "event", "weight", "text"]].values.tolist() == [
        ["2", "1", "view", 13883.0, "música electrónica, metal"],
        ["2", "2", "view", 11690.0, ""],
        ["3", "3", "view", 7.0, ""],
        ["3", "1", "review", 1.0, "metal"]]  # tagged without a listen count
    assert dict(zip(ds.items.item_id, ds.items.title))["1"] == "Röyksopp"
    assert ds.social[["user_id", "friend_id"]].values.tolist() == [["2", "3"]]  # written once
    assert quarantined(q) == {
        ("user_artists.dat", 4, "weight", "non-numeric weight"),
        ("user_taggedartists.dat", 5, "artistID", "artistID not in artists.dat"),
        ("user_taggedartists.dat", 6, "tagID", "tagID not in tags.dat"),
        ("social.csv", 3, "friend_id", "unknown user_id")}  # user 4 has no events


def test_lastfm_wrong_header_is_a_clear_error(tmp_path):
    src = lastfm_dir(tmp_path)
    write(src, {"user_friends.dat": "friendID\tuserID\n2\t3\n"})
    with pytest.raises(PersonaError, match="user_friends.dat: line 1"):
        convert("lastfm", src, str(tmp_path / "out"))


def test_yelp(tmp_path):
    def lines(*records):
        return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"
    src = write(tmp_path / "yelp", {
        "yelp_academic_dataset_business.json": lines(
            {"business_id": "b1", "name": "Pizza Place", "categories": "Pizza, Italian",
             "city": "Tempe", "state": "AZ"},
            {"business_id": "b2", "name": "Old Diner", "categories": ["Diners"], "city": "Reno",
             "state": None}),
        "yelp_academic_dataset_review.json": lines(
            {"review_id": "r1", "user_id": "u1", "business_id": "b1", "stars": 5,
             "text": "Great crust, \"real\" mozzarella.", "date": "2016-03-09 00:00:00"},
            {"review_id": "r2", "user_id": "u2", "business_id": "b2", "stars": 3,
             "text": "Fine.", "date": "2017-01-02"},
            {"review_id": "r3", "user_id": "u2", "business_id": "b1", "stars": 4,
             "text": "x", "date": "someday"},
            "not json"),
        "yelp_academic_dataset_user.json": lines(
            {"user_id": "u1", "friends": "u2, u3"}, {"user_id": "u2", "friends": ["u1"]},
            {"user_id": "u3", "friends": "None"}),
    })
    ds, q = run_convert("yelp", src, tmp_path)
    assert ds.events[["user_id", "item_id", "event", "rating", "text", "timestamp"]] \
        .values.tolist() == [["u1", "b1", "review", 5.0, 'Great crust, "real" mozzarella.',
                              1457481600],
                             ["u2", "b2", "review", 3.0, "Fine.", 1483315200]]
    assert ds.items[["item_id", "title", "category", "description"]].values.tolist() == [
        ["b1", "Pizza Place", "Pizza|Italian", "Tempe, AZ"], ["b2", "Old Diner", "Diners", "Reno"]]
    assert sorted(ds.users.user_id) == ["u1", "u2", "u3"]
    assert ds.social[["user_id", "friend_id"]].values.tolist() == [["u1", "u2"], ["u1", "u3"]]
    assert quarantined(q) == {
        ("yelp_academic_dataset_review.json", 3, "date", "unparsable date"),
        ("yelp_academic_dataset_review.json", 4, "", "unparsable JSON")}


def test_canonical_validation_runs_after_the_reader(tmp_path):
    src = write(tmp_path / "ml", {"ml-100k.inter": INTER.splitlines(keepends=True)[0]
                                  + "1\t10\t4\t881250949\n1\t10\t4\t881250949\n1\t99\t4\t1\n",
                                  "ml-100k.item": ITEM})
    ds, q = run_convert("movielens", src, tmp_path)
    assert len(ds.events) == 1
    assert quarantined(q) == {("events.csv", 3, "", "duplicate event"),
                              ("events.csv", 4, "item_id", "unknown item_id")}


def make_wheel(path, files):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("recbole/__init__.py", "")
        for name, content in files.items():
            z.writestr(ML100K_IN_WHEEL + name, content)
    return str(path)


def test_fetch_reads_movielens_from_the_wheel_without_installing(tmp_path):
    cache = tmp_path / "cache"
    os.makedirs(cache / "wheels")
    make_wheel(cache / "wheels" / "recbole-1.2.1-py3-none-any.whl",
               {"ml-100k.inter": INTER, "ml-100k.item": ITEM, "ml-100k.user": USER})
    out = fetch_movielens_100k(str(tmp_path / "ml100k"), cache=str(cache))
    assert sorted(os.listdir(out)) == ["events.csv", "items.csv", "quarantine.csv", "users.csv"]
    rc = cli.main(["data", "validate", out])
    assert rc == 0


def test_fetch_rejects_a_wheel_without_the_dataset(tmp_path):
    wheel = make_wheel(tmp_path / "recbole.whl", {"ml-100k.inter": INTER})
    with pytest.raises(PersonaError, match="ml-100k.item"):
        extract_movielens_100k(wheel, str(tmp_path / "raw"))


def test_cli_convert_prints_summaries_and_errors_cleanly(tmp_path, capsys):
    src = lastfm_dir(tmp_path)
    assert cli.main(["data", "convert", "--format", "lastfm", "--src", src,
                     "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "user_taggedartists.dat" in printed and '"social_edges": 1' in printed
    assert cli.main(["data", "convert", "--format", "ciao", "--src", str(tmp_path / "none"),
                     "--out", str(tmp_path / "out2")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["movielens", "amazon", "ciao", "epinions", "lastfm", "yelp"])
def test_empty_directory_is_a_clear_error(tmp_path, fmt):
    src = str(tmp_path / "empty")
    os.makedirs(src)
    with pytest.raises(PersonaError) as raised:
        convert(fmt, src, str(tmp_path / "out"))
    assert str(raised.value).startswith(src)


def test_truncated_gzip_and_json_array(tmp_path):
    reviews = [{"reviewerID": "R1", "asin": "P1", "overall": 5, "reviewText": "Good."}, ["x"]]
    path = write(tmp_path, {"reviews.json": json.dumps(reviews)})
    ds, q = run_convert("amazon", os.path.join(path, "reviews.json"), tmp_path)
    assert ds.events.text.tolist() == ["Good."] and not ds.has_time
    assert quarantined(q) == {("reviews.json", 2, "", "not a JSON object")}
    data = gzip.compress(json.dumps(reviews[0]).encode() * 50)
    src = tmp_path / "gz"
    os.makedirs(src)
    (src / "reviews.json.gz").write_bytes(data[:len(data) // 2])
    with pytest.raises(PersonaError, match="reviews.json.gz: cannot read"):
        convert("amazon", str(src), str(tmp_path / "out2"))
