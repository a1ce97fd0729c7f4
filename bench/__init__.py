"""The measuring half: benchmarks, the timing core and the hardware record (needs torch)."""
