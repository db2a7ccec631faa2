"""What a run writes: the artifacts, the static dashboard and the served one."""
