-- camera registry: what the main stream delivers (from ONVIF profiles or the operator), for model requirements
ALTER TABLE camera ADD COLUMN main_resolution VARCHAR(32) NOT NULL DEFAULT ''
;
ALTER TABLE camera ADD COLUMN main_bitrate BIGINT NOT NULL DEFAULT 0
;
ALTER TABLE camera ADD COLUMN main_fps DOUBLE PRECISION NOT NULL DEFAULT 0
;
ALTER TABLE camera ADD COLUMN main_codec VARCHAR(16) NOT NULL DEFAULT ''
