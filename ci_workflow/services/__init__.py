"""Use cases of the register. Each public function owns one transaction: all or nothing."""
