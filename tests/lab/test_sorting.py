"""The lab's tables list prefixes as a router does (issue #18 point 6): numerically."""
import unittest

from msee_lab.util import prefix_key


class PrefixOrder(unittest.TestCase):
    def test_numeric_not_text(self):
        got = sorted(["20.130.0.0/16", "20.2.0.0/16", "10.0.0.0/8", "2603:1000::/25",
                      "20.2.0.0/15"], key=prefix_key)
        self.assertEqual(got, ["10.0.0.0/8", "20.2.0.0/15", "20.2.0.0/16", "20.130.0.0/16",
                               "2603:1000::/25"])


if __name__ == "__main__":
    unittest.main()
