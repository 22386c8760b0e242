"""The embedded local model: GGUF assembly, an OpenAI-compatible server and its launcher.

Only `assemble`, `launcher` and the pure helpers (`prompt`, `grammar`, `parsing`, `protocol`)
import without `llama_cpp`; the engine and server need the `local` extra.
"""
