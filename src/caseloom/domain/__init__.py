"""Pure business rules: dataclasses, enums and decisions. No I/O and no clock reads."""
