-- The run's data-quality report.
INSERT INTO data_quality SELECT * FROM merge_quality;
