"""RFID: tag reads as values, read windows, and the LLRP reader driver."""
