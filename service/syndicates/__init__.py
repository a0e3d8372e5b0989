"""Syndicates for large rounds: a lead and followers whose tickets together cover an ask."""
