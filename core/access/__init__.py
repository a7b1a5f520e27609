"""The shared-password gate's rules: password checks, signed passes and the wrong-password budget."""
