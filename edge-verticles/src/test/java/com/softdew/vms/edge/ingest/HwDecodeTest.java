package com.softdew.vms.edge.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.softdew.vms.edge.normalize.FrameNormalizer;
import com.softdew.vms.edge.normalize.NormalizedFrame;
import java.time.Instant;
import java.util.List;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;

/** Decoder choice per hardware family and codec, the plan per setting, and the NV12 frames hardware decoders hand out. */
class HwDecodeTest {
  static {
    try {
      FFmpegFrameGrabber.tryLoad();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void decoderNamePerCodec() {
    assertEquals("h264_cuvid", HwDecode.decoderName("cuda", avcodec.AV_CODEC_ID_H264));
    assertEquals("hevc_cuvid", HwDecode.decoderName("cuda", avcodec.AV_CODEC_ID_HEVC));
    assertEquals("mjpeg_cuvid", HwDecode.decoderName("cuda", avcodec.AV_CODEC_ID_MJPEG));
    assertEquals("h264_qsv", HwDecode.decoderName("qsv", avcodec.AV_CODEC_ID_H264));
    assertEquals("hevc_qsv", HwDecode.decoderName("QSV", avcodec.AV_CODEC_ID_HEVC));
    assertEquals("mjpeg_qsv", HwDecode.decoderName("qsv", avcodec.AV_CODEC_ID_MJPEG));
    // vaapi keeps FFmpeg's native decoder (device context instead of a named decoder)
    assertNull(HwDecode.decoderName("vaapi", avcodec.AV_CODEC_ID_H264));
    assertNull(HwDecode.decoderName("cuda", avcodec.AV_CODEC_ID_MPEG4));
    assertNull(HwDecode.decoderName(null, avcodec.AV_CODEC_ID_H264));
    // every decoder we name exists in the LGPL FFmpeg 8.0.1 build of the JavaCPP presets, and decodes that codec
    for (String type : List.of("cuda", "qsv")) {
      for (int id : new int[] {avcodec.AV_CODEC_ID_H264, avcodec.AV_CODEC_ID_HEVC, avcodec.AV_CODEC_ID_MJPEG}) {
        String n = HwDecode.decoderName(type, id);
        assertTrue(HwDecode.decoderInBuild(n), n + " in the build");
        assertEquals(id, avcodec.avcodec_find_decoder_by_name(n).id(), n + " decodes " + HwDecode.codecName(id));
      }
    }
    assertFalse(HwDecode.decoderInBuild("h264_nosuchdecoder"));
    assertEquals("hevc", HwDecode.codecName(avcodec.AV_CODEC_ID_HEVC));
  }

  @Test
  void planPerSetting() {
    int probes = HwDecode.deviceProbes();
    for (String none : new String[] {null, "", "none", "NONE"}) {
      HwDecode.Plan p = HwDecode.plan(none);
      assertFalse(p.hardware());
      assertEquals("hardware decode not requested", p.reason());
    }
    assertEquals(probes, HwDecode.deviceProbes(), "none probes no device");
    // cuda and qsv: the named decoder is tried (it opens its own device), no device probe first
    assertEquals("cuda", HwDecode.plan("cuda").type());
    assertEquals("qsv", HwDecode.plan("qsv").type());
    assertEquals(probes, HwDecode.deviceProbes());
    HwDecode.Plan bogus = HwDecode.plan("opencl");
    assertFalse(bogus.hardware());
    assertTrue(bogus.reason().contains("unknown"), bogus.reason());
    HwDecode.Plan auto = HwDecode.plan("auto");
    System.out.println("measured hwDecode auto on this host: " + auto);
    if (!auto.hardware()) {
      assertTrue(auto.reason().contains("vaapi: ") && auto.reason().contains("cuda: ") && auto.reason().contains("qsv: "), auto.reason());
    }
  }

  /** cuvid/qsv hand out NV12 in system memory, a VAAPI download too: the normaliser turns it into RGB like any frame. */
  @Test
  void nv12FramesNormaliseLikeSoftwareFrames() {
    AVFrame f = avutil.av_frame_alloc();
    try (FrameNormalizer n = new FrameNormalizer("t1", "nv12", FrameNormalizer.Config.DEFAULT.withSize(64, 48))) {
      f.format(avutil.AV_PIX_FMT_NV12).width(64).height(48);
      assertTrue(avutil.av_frame_get_buffer(f, 0) >= 0);
      // left half white-ish (Y 200), right half dark (Y 40); UV neutral except a red-ish right half (V 200)
      for (int y = 0; y < 48; y++) {
        for (int x = 0; x < 64; x++) f.data(0).put((long) y * f.linesize(0) + x, (byte) (x < 32 ? 200 : 40));
      }
      for (int y = 0; y < 24; y++) {
        for (int x = 0; x < 32; x++) {
          f.data(1).put((long) y * f.linesize(1) + 2 * x, (byte) 128);
          f.data(1).put((long) y * f.linesize(1) + 2 * x + 1, (byte) (x < 16 ? 128 : 200));
        }
      }
      List<NormalizedFrame> out = n.accept(f, 0, Instant.now(), "receive");
      assertEquals(1, out.size());
      NormalizedFrame nf = out.get(0);
      assertEquals("64x48", n.sourceSize());
      byte[] rgb = nf.rgb();
      int l = (24 * 64 + 8) * 3, r = (24 * 64 + 56) * 3;
      int lr = rgb[l] & 0xff, lg = rgb[l + 1] & 0xff, lb = rgb[l + 2] & 0xff;
      int rr = rgb[r] & 0xff, rg = rgb[r + 1] & 0xff, rb = rgb[r + 2] & 0xff;
      System.out.printf("measured NV12 -> RGB: left %d,%d,%d right %d,%d,%d%n", lr, lg, lb, rr, rg, rb);
      assertTrue(Math.abs(lr - lg) < 8 && Math.abs(lg - lb) < 8 && lr > 190, "left grey-white");
      assertTrue(rr > rg + 60 && rr > rb + 60, "right red: " + rr + "," + rg + "," + rb);
    } finally {
      avutil.av_frame_free(f);
    }
  }
}
