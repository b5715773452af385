"""The `brandpulse demo` sample stream: its generator (`generate`) and the shipped output (`data/`)."""
