-- Runs of kind `import`: trade files stored as a recorded namespace `import.<name>`
-- (`gridtwin import`).
ALTER TABLE runs DROP CONSTRAINT runs_kind_check;
ALTER TABLE runs ADD CONSTRAINT runs_kind_check
    CHECK (kind IN ('live', 'paper', 'replay', 'backtest', 'import'));
