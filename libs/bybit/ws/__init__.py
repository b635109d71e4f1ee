"""Bybit V5 websockets: frames (``messages``) and the reconnecting client (``client``)."""
