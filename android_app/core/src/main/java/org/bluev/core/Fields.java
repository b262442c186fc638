package org.bluev.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed access to parsed JSON objects. Every failure names the key, so a bad manifest gives a
 * one-line reason ("manifest: llm.chunk_size: expected an integer") instead of a ClassCastException.
 */
public final class Fields {
  private Fields() {}

  public static boolean has(Map<String, Object> obj, String key) {
    return obj.containsKey(key) && obj.get(key) != null;
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Map<String, Object> obj, String key) {
    Object v = require(obj, key);
    if (!(v instanceof Map)) {
      throw new JsonException(key + ": expected an object");
    }
    return (Map<String, Object>) v;
  }

  /** The object under {@code key}, or null when the key is absent or JSON null. */
  public static Map<String, Object> optObject(Map<String, Object> obj, String key) {
    return has(obj, key) ? object(obj, key) : null;
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> asObject(Object v, String what) {
    if (!(v instanceof Map)) {
      throw new JsonException(what + ": expected an object");
    }
    return (Map<String, Object>) v;
  }

  @SuppressWarnings("unchecked")
  public static List<Object> list(Map<String, Object> obj, String key) {
    Object v = require(obj, key);
    if (!(v instanceof List)) {
      throw new JsonException(key + ": expected an array");
    }
    return (List<Object>) v;
  }

  public static String string(Map<String, Object> obj, String key) {
    Object v = require(obj, key);
    if (!(v instanceof String)) {
      throw new JsonException(key + ": expected a string");
    }
    return (String) v;
  }

  public static String optString(Map<String, Object> obj, String key, String fallback) {
    return has(obj, key) ? string(obj, key) : fallback;
  }

  public static long integer(Map<String, Object> obj, String key) {
    return asInteger(require(obj, key), key);
  }

  public static long asInteger(Object v, String what) {
    if (!(v instanceof Long)) {
      throw new JsonException(what + ": expected an integer");
    }
    return (Long) v;
  }

  public static double number(Map<String, Object> obj, String key) {
    Object v = require(obj, key);
    if (!(v instanceof Number)) {
      throw new JsonException(key + ": expected a number");
    }
    return ((Number) v).doubleValue();
  }

  public static boolean bool(Map<String, Object> obj, String key) {
    Object v = require(obj, key);
    if (!(v instanceof Boolean)) {
      throw new JsonException(key + ": expected true or false");
    }
    return (Boolean) v;
  }

  public static List<Long> integers(Map<String, Object> obj, String key) {
    List<Long> out = new ArrayList<>();
    for (Object v : list(obj, key)) {
      out.add(asInteger(v, key + "[]"));
    }
    return out;
  }

  private static Object require(Map<String, Object> obj, String key) {
    if (!obj.containsKey(key)) {
      throw new JsonException(key + ": missing");
    }
    Object v = obj.get(key);
    if (v == null) {
      throw new JsonException(key + ": is null");
    }
    return v;
  }
}
