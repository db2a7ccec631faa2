"""Sentence embeddings of the articles, with torch or ONNX Runtime, cached by content."""
