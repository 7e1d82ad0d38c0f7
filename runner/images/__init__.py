"""The trainer image: its name, its base (made locally when no registry is reachable) and its BuildKit build."""

IMAGE_NAME = "landcover-runner/trainer-gpu:latest"
"""The trainer image's one name: ``runner build``'s default tag, the docker default, the cloud registry's image.

The job templates and the Makefile name it too (a test checks that they agree with this constant).
"""
