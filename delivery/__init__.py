"""The delivery pipeline, in the order a delivery travels: signature, decode, the row, record
(one delivery or a group commit), the outbox dispatcher and its Temporal calls, replay and retry."""
