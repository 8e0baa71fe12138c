"""What an agent is told about its issue, made safe and bounded: hidden text removed, the
discussion and the repository's instructions for agents within LLM_CONTEXT_BYTES."""
