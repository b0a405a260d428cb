"""Benchmark peers: the product's three measured operations in other stacks (not product code)."""
