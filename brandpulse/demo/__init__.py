"""The `brandpulse demo` sample stream: the shipped output (`data/stream.jsonl.gz`), the sample texts it
is written from (`data/texts/`, `data/world.json`) and the generator (`python -m brandpulse.demo.generate`)."""
