"""MLP training benchmarks: framework vs from-scratch."""
