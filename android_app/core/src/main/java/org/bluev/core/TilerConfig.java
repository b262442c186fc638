package org.bluev.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything that decides how an image becomes tiles: a port of {@code TilerConfig} in
 * runtime/tiler.py, read from the manifest's {@code vision.tiler} (or a test vector's params).
 */
public final class TilerConfig {
  public static final List<String> POLICIES = Collections.unmodifiableList(Arrays.asList("relaxed", "llava-next", "internvl"));

  public final String policy;
  public final int tileSize;
  public final double alpha;
  public final int minTiles;
  public final int maxTiles;
  /** Explicit candidate grids as {columns, rows}, or null for every grid within the tile limits. */
  public final List<int[]> grids;
  public final boolean thumbnail;
  public final int tokensPerTile;

  public TilerConfig(
      String policy,
      int tileSize,
      double alpha,
      int minTiles,
      int maxTiles,
      List<int[]> grids,
      boolean thumbnail,
      int tokensPerTile) {
    // Same checks, same order as the Python dataclass, so both refuse the same configs.
    if (!POLICIES.contains(policy)) {
      throw new IllegalArgumentException(
          "policy '" + policy + "': unknown, choose one of " + String.join(", ", POLICIES));
    }
    if (tileSize <= 0 || tokensPerTile <= 0) {
      throw new IllegalArgumentException("tile_size and tokens_per_tile must be positive");
    }
    if (!(alpha >= 0.0 && alpha < 1.0)) {
      throw new IllegalArgumentException("alpha " + alpha + ": must be in [0, 1)");
    }
    if (!(1 <= minTiles && minTiles <= maxTiles)) {
      throw new IllegalArgumentException(
          "tile limits " + minTiles + ".." + maxTiles + ": need 1 <= min <= max");
    }
    if (grids != null && grids.isEmpty()) {
      throw new IllegalArgumentException("grids: the candidate list is empty");
    }
    this.policy = policy;
    this.tileSize = tileSize;
    this.alpha = alpha;
    this.minTiles = minTiles;
    this.maxTiles = maxTiles;
    this.grids = grids == null ? null : Collections.unmodifiableList(new ArrayList<>(grids));
    this.thumbnail = thumbnail;
    this.tokensPerTile = tokensPerTile;
  }

  /** The Python defaults: relaxed, 384, alpha 0.1, 1..9 tiles, thumbnail, 196 tokens per tile. */
  public static TilerConfig defaults() {
    return new TilerConfig("relaxed", 384, 0.1, 1, 9, null, true, 196);
  }

  /** Reads {@code vision.tiler} of a manifest, or {@code params} of a tiling test vector. */
  public static TilerConfig fromJson(Map<String, Object> obj) {
    List<int[]> grids = null;
    if (Fields.has(obj, "grids")) {
      grids = new ArrayList<>();
      for (Object g : Fields.list(obj, "grids")) {
        if (!(g instanceof List) || ((List<?>) g).size() != 2) {
          throw new JsonException("grids: expected [columns, rows] pairs");
        }
        List<?> pair = (List<?>) g;
        grids.add(
            new int[] {
              (int) Fields.asInteger(pair.get(0), "grids[][0]"),
              (int) Fields.asInteger(pair.get(1), "grids[][1]")
            });
      }
    }
    return new TilerConfig(
        Fields.string(obj, "policy"),
        (int) Fields.integer(obj, "tile_size"),
        Fields.number(obj, "alpha"),
        (int) Fields.integer(obj, "min_tiles"),
        (int) Fields.integer(obj, "max_tiles"),
        grids,
        Fields.bool(obj, "thumbnail"),
        (int) Fields.integer(obj, "tokens_per_tile"));
  }

  /**
   * Candidate grids {m, n} sorted by (m*n, m): fewest tiles first, then fewest columns. An explicit
   * list is de-duplicated first. Every remaining tie in the choosers goes to the earlier grid, so
   * this order is part of the contract with runtime/tiler.py.
   */
  public List<int[]> candidateGrids() {
    Set<Long> seen = new LinkedHashSet<>();
    List<int[]> out = new ArrayList<>();
    if (grids != null) {
      for (int[] g : grids) {
        if (g[0] < 1 || g[1] < 1) {
          throw new IllegalArgumentException("grids: columns and rows must be >= 1");
        }
        if (seen.add(((long) g[0] << 32) | g[1])) {
          out.add(new int[] {g[0], g[1]});
        }
      }
    } else {
      for (int m = 1; m <= maxTiles; m++) {
        for (int n = 1; n <= maxTiles; n++) {
          if (minTiles <= m * n && m * n <= maxTiles) {
            out.add(new int[] {m, n});
          }
        }
      }
    }
    out.sort(
        (a, b) -> {
          int byTiles = Integer.compare(a[0] * a[1], b[0] * b[1]);
          return byTiles != 0 ? byTiles : Integer.compare(a[0], b[0]);
        });
    return out;
  }
}
