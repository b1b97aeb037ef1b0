"""What the X API v2 allows per request, shared by the X collector (which pages within it) and
the read planner (which prices polls with it); neither imports the other."""

from __future__ import annotations

ALLOWANCE_KEY = "read_allowance"  # put in a source's state by the read budget; never stored
TIMELINE_MIN_RESULTS = 5  # X's smallest max_results for user timelines
LIKES_MIN_RESULTS = 10  # ... and for liked tweets
# Likes have no since_id: each poll re-reads the newest ones. When posts are metered, read a
# short page (new likes between two polls are few); when requests are, a full one costs the same.
LIKES_POSTS_PAGE = 25
