-- camera registry: what the main stream delivers (from ONVIF profiles or the operator), for model requirements
ALTER TABLE camera ADD main_resolution NVARCHAR(32) NOT NULL DEFAULT ''
GO
ALTER TABLE camera ADD main_bitrate BIGINT NOT NULL DEFAULT 0
GO
ALTER TABLE camera ADD main_fps FLOAT NOT NULL DEFAULT 0
GO
ALTER TABLE camera ADD main_codec NVARCHAR(16) NOT NULL DEFAULT ''
