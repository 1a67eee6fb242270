"""llwatch item pipelines, one concern each, in order: normalize, dedupe, language, store."""
