"""The five satisfaction levels citizens choose from (5 is best)."""

#: score → the words citizens read.
LEVELS: dict[int, str] = {
    5: "Rất hài lòng",
    4: "Hài lòng",
    3: "Bình thường",
    2: "Không hài lòng",
    1: "Rất không hài lòng",
}

#: A rating of this score or better counts as satisfied ("Hài lòng" or "Rất hài lòng"):
#: the satisfied share of the reports, at the centre and at the hub.
SATISFIED = 4
