"""Storage contracts of pointline and their Delta Lake implementations (no UI code here)."""
