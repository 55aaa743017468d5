DROP INDEX IF EXISTS idx_message_pub_date;
