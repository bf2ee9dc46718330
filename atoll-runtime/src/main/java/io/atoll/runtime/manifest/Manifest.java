package io.atoll.runtime.manifest;

import java.util.List;

/** An application manifest, validated, with defaults applied (docs/manifest.md). */
public record Manifest(String app, List<AtomSpec> atoms) {}
