-- The timeline orders by pub_date: index it.
CREATE INDEX IF NOT EXISTS idx_message_pub_date ON message (pub_date);
