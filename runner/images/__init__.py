"""The trainer image: its base (made locally when no registry is reachable) and its BuildKit build."""
