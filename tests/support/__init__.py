"""Test infrastructure shared by several test folders: real servers on loopback, a manual clock."""
