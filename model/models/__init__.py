"""Models: the TFRS profile model and the skip-gram of DeepWalk."""
