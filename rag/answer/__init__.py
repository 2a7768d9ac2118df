"""Answer: the question analysed once, the extractive reader, evidence selection for LLM
prompts, prompts and refusals, follow-up condensing, and claim verification (citations).

Pure functions of their inputs: the embedder and idf they need are passed in.
May import: `rag.text`, `rag.core`.
"""
