"""Speech to text: audio decoding, and Whisper through transformers, faster-whisper or Replicate."""
