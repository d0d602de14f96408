"""Harvest returned workbooks: identify, check, reconcile and consolidate them."""
