"""Made-up names and words for the demo (Javanese and Osing names common in Banyuwangi).

No real person: given names are drawn independently, so any match with someone in Sempu
is chance.
"""

MALE = (
    "Slamet", "Sutrisno", "Suparman", "Sugeng", "Joko", "Bambang", "Agus", "Budi", "Supriyadi", "Heru",
    "Wahyudi", "Rudi", "Eko", "Dwi", "Hadi", "Samsul", "Imam", "Sholeh", "Rahmat", "Yusuf", "Ahmad",
    "Misnadi", "Paiman", "Tukiman", "Sanusi", "Kasiman", "Marjuki", "Suwito", "Darmaji", "Saeri",
    "Haryono", "Sukardi", "Mulyono", "Wagiman", "Ponidi", "Kusnadi", "Rofiq", "Arif", "Fajar", "Dimas",
)
FEMALE = (
    "Siti", "Sumiati", "Suparmi", "Painem", "Ningsih", "Sri", "Endang", "Wati", "Yuliana", "Rina", "Dewi",
    "Lestari", "Sulastri", "Juwariyah", "Musriah", "Tumini", "Sarmi", "Sutini", "Katemi", "Poniyem",
    "Rukayah", "Nur", "Fitri", "Anis", "Indah", "Winarti", "Marsini", "Sumarni", "Tuminah", "Salamah",
    "Halimah", "Khotimah", "Mariyam", "Umi", "Nurul", "Eka", "Novi", "Ayu", "Rahayu", "Susanti",
)
CHILD_MALE = ("Rizky", "Fahri", "Dafa", "Bagus", "Aldi", "Rafi", "Ilham", "Arya", "Galih", "Yoga", "Bima", "Farel")
CHILD_FEMALE = ("Aisyah", "Nadia", "Putri", "Zahra", "Salsa", "Nabila", "Citra", "Keisha", "Alya", "Dinda", "Intan")

# Hamlets (dusun): typical East Javanese hamlet names, assigned per village by position.
DUSUN = (
    "Krajan", "Sumberagung", "Sukorejo", "Karanganyar", "Kebonrejo", "Tegalrejo", "Sumbersari",
    "Purwosari", "Wonosari", "Sidomulyo", "Jatirejo", "Rejoagung", "Sumberejo", "Kampunganyar",
)

# Landmarks by area class, as a surveyor would note them (Indonesian).
LANDMARKS = {
    "forest": ("di tepi hutan Perhutani", "masuk jalan setapak hutan", "dekat pos mandor hutan", "di kebun kopi pinggir hutan"),
    "river": ("di tepi sungai", "dekat jembatan bambu", "bantaran sungai, turun dari jalan", "dekat dam irigasi"),
    "railway": ("dekat rel kereta", "pinggir rel, dekat perlintasan", "sebelah rel, rumah bambu", "dekat pos jaga rel"),
    "ricefield": ("di tengah sawah", "gubuk di pematang sawah", "jalan tani, rumah sendiri", "dekat saluran sawah"),
    "settlement": ("dekat masjid", "belakang balai desa", "gang sebelah warung", "dekat musala", "depan SD", "dekat posyandu"),
}

COMPLAINTS = {
    "fever": "demam sejak {d} hari",
    "breathing": "sesak napas",
    "pain": "nyeri {part}",
    "injury": "luka karena jatuh",
    "weak": "lemas, tidak bisa bangun",
    "diarrhoea": "mencret sejak {d} hari",
    "pregnancy": "ibu hamil mengeluh {preg}",
    "chronic": "kontrol penyakit menahun, obat habis",
    "unconscious": "tidak sadar / pingsan",
    "other": "keluhan lain, minta diperiksa",
}
BODY_PARTS = ("dada", "perut", "kepala", "lutut", "pinggang", "kaki")
PREGNANCY_COMPLAINTS = ("pusing dan bengkak", "perdarahan sedikit", "mual muntah terus", "kenceng-kenceng")

# Diagnosis (Indonesian), ICD-10, medicines (form choice names)
DIAGNOSES = (
    ("Hipertensi esensial", "I10", "amlodipine"),
    ("ISPA", "J06.9", "paracetamol ctm"),
    ("Diare akut", "A09", "ors"),
    ("Diabetes melitus tipe 2", "E11.9", "metformin"),
    ("Dispepsia", "K30", "antacid"),
    ("Osteoartritis lutut", "M17.9", "paracetamol vitamins"),
    ("Sekuele stroke", "I69.4", "amlodipine vitamins"),
    ("Pneumonia", "J18.9", "amoxicillin paracetamol"),
    ("Luka robek", "T14.1", "wound_care amoxicillin"),
    ("Vertigo", "R42", "other"),
    ("Gizi kurang pada lansia", "E44.0", "vitamins"),
    ("Asma", "J45.9", "salbutamol"),
    ("Demam, suspek tifoid", "A01.0", "paracetamol"),
    ("Gagal jantung", "I50.9", "captopril"),
)
TREATMENTS = (
    "pemeriksaan, edukasi minum obat teratur",
    "pemeriksaan fisik, obat diberikan, kontrol 3 hari lagi",
    "perawatan luka, edukasi keluarga",
    "observasi, edukasi makan dan minum cukup",
    "pemeriksaan, rujuk bila memburuk",
)
DOCTORS = ("dr. Rina Andayani", "dr. Hendra Wijaya", "dr. Fitria Nur")
DRIVERS = ("Pak Joko", "Pak Misnadi", "Pak Suwito")
