package com.softdew.vms.codec;

import com.softdew.vms.model.JsonRecord;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * Codec for an immutable contract record: passed by reference inside a JVM (records are immutable,
 * so no copy is needed), and as length-prefixed JSON between clustered nodes.
 */
public final class JsonRecordCodec<T extends JsonRecord> implements MessageCodec<T, T> {
  private final Class<T> type;
  private final Function<JsonObject, T> fromJson;

  public JsonRecordCodec(Class<T> type, Function<JsonObject, T> fromJson) {
    this.type = type;
    this.fromJson = fromJson;
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    Buffer json = value.toJson().toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int len = buffer.getInt(pos);
    return fromJson.apply(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + len)));
  }

  @Override
  public T transform(T value) {
    return value;
  }

  @Override
  public String name() {
    return "vms." + type.getSimpleName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  public Class<T> type() {
    return type;
  }
}
