"""Statistics: streaming summaries in constant memory (``streaming``) and the distribution-free
bootstrap intervals and tests the gate and the peer benchmark judge with (``bootstrap``)."""
