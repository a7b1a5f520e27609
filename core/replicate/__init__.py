"""Replicate: the one client every paid call goes through, its rules, and FLUX image generation."""
