"""Regenerate orders.csv (200 orders, fixed seed: the output never changes).

Run from the repository root: python examples/data/generate_orders.py
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

COUNTRIES = ["DE", "FR", "US", "GB", "NL", "ES", "IT", "SE", "PL", "JP"]
WEIGHTS = [18, 12, 25, 14, 8, 7, 6, 4, 3, 3]
CUSTOMERS = [f"customer-{i:03d}" for i in range(1, 61)]
START = datetime(2024, 3, 1, tzinfo=UTC)


def main() -> None:
    rng = random.Random(20240301)
    path = Path(__file__).with_name("orders.csv")
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["order_id", "customer", "country", "amount", "ordered_at"])
        for i in range(1, 201):
            amount = round(rng.lognormvariate(3.8, 0.7), 2)
            if i % 23 == 0:
                amount = -amount  # refunds: the ETL drops them
            ordered_at = START + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
            writer.writerow(
                [
                    100000 + i,
                    rng.choice(CUSTOMERS),
                    rng.choices(COUNTRIES, WEIGHTS)[0],
                    f"{amount:.2f}",
                    ordered_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                ]
            )


if __name__ == "__main__":
    main()
