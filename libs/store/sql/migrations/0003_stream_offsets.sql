-- Where each reader of the capture stream stands: the last stream sequence whose batch
-- is committed. Written in the same transaction as the batch, so a crash can neither
-- lose a committed batch's position nor skip an uncommitted one.
CREATE TABLE stream_offsets (
    reader      text NOT NULL,
    stream      text NOT NULL,
    last_seq    bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reader, stream)
);
