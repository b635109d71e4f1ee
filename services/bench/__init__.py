"""``make bench``: throughput of each piece beside a raw baseline measured in the same run."""
