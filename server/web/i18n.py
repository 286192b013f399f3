"""A small message catalogue: Indonesian by default, English on request.

Field users read Indonesian; planners from the district may switch to English. Keys are
English-ish identifiers; ``t(key)`` gives the text in the session's language and falls
back to the key itself (a test checks every key the templates use is here).
"""

from __future__ import annotations

from flask import session

LANGUAGES = ("id", "en")
DEFAULT = "id"

MESSAGES: dict[str, tuple[str, str]] = {
    # frame
    "app_title": ("CHIPS Puskesmas Sempu", "CHIPS Puskesmas Sempu"),
    "nav_home": ("Beranda", "Home"),
    "nav_requests": ("Permintaan", "Requests"),
    "nav_visits": ("Kunjungan", "Visits"),
    "nav_anc": ("ANC / Ibu hamil", "ANC / Pregnancies"),
    "nav_spm": ("Indikator SPM", "SPM indicators"),
    "nav_followups": ("Tindak lanjut", "Follow-ups"),
    "nav_households": ("Rumah tangga", "Households"),
    "nav_map": ("Peta", "Map"),
    "nav_admin": ("Admin", "Admin"),
    "logout": ("Keluar", "Log out"),
    "login": ("Masuk", "Log in"),
    "username": ("Nama pengguna", "User name"),
    "password": ("Kata sandi", "Password"),
    "login_failed": ("Nama pengguna atau kata sandi salah.", "Wrong user name or password."),
    "login_throttled": ("Terlalu banyak percobaan gagal. Coba lagi nanti.", "Too many failed attempts. Try again later."),
    "logged_out": ("Anda telah keluar.", "You are logged out."),
    "forbidden": ("Anda tidak berhak membuka halaman ini.", "You may not open this page."),
    "not_found": ("Tidak ditemukan.", "Not found."),
    "csrf_error": ("Formulir kedaluwarsa atau tidak sah; muat ulang halaman.", "The form expired or is invalid; reload the page."),
    "language": ("Bahasa", "Language"),
    "prev": ("Sebelumnya", "Previous"),
    "next": ("Berikutnya", "Next"),
    "page_of": ("Halaman {page} dari {pages} ({total} baris)", "Page {page} of {pages} ({total} rows)"),
    "filter": ("Saring", "Filter"),
    "all_villages": ("Semua desa", "All villages"),
    "village": ("Desa", "Village"),
    "total": ("Total", "Total"),
    "none": ("Tidak ada.", "None."),
    "export_csv": ("Unduh CSV", "Download CSV"),
    "export_xlsx": ("Unduh XLSX", "Download XLSX"),
    "save": ("Simpan", "Save"),
    "yes": ("Ya", "Yes"),
    "no": ("Tidak", "No"),
    # home
    "home_title": ("Ringkasan hari ini", "Today at a glance"),
    "open_today": ("Permintaan terbuka hari ini", "Open requests today"),
    "open_today_count": ("Terbuka hari ini", "Open today"),
    "open_before_today": ("Masih terbuka dari hari sebelumnya (bulan ini)", "Still open from earlier days (this month)"),
    "clock": ("Waktu sejak diterima", "Time since received"),
    "received": ("Diterima", "Received"),
    "patient": ("Pasien", "Patient"),
    "urgency": ("Urgensi", "Urgency"),
    "channel": ("Saluran", "Channel"),
    "status": ("Status", "Status"),
    "this_month": ("Bulan ini", "This month"),
    "requests_this_month": ("Permintaan bulan ini", "Requests this month"),
    "late_count": ("Terlambat (> 2 jam)", "Late (> 2 h)"),
    "breach_count": ("Melanggar SOP (> 4 jam)", "Breached (> 4 h)"),
    "on_time_count": ("Tepat waktu (≤ 2 jam)", "On time (≤ 2 h)"),
    "late_and_breached": ("Permintaan terlambat dan melanggar bulan ini", "Late and breached requests this month"),
    "comp_owed": ("Kompensasi terutang", "Compensation owed"),
    "comp_given": ("Kompensasi diserahkan", "Compensation handed over"),
    "comp_outstanding": ("Kompensasi belum diserahkan", "Compensation outstanding"),
    "median_response": ("Median waktu respons", "Median response time"),
    "sop_note": ("SOP: tiba ≤ 4 jam sejak laporan; > 2 jam = kompensasi 5 kg beras.",
                 "SOP: arrive within 4 h of the report; over 2 h = 5 kg rice compensation."),
    # requests / visits
    "requests_title": ("Permintaan kunjungan rumah", "Home-visit requests"),
    "request_id": ("No. permintaan", "Request id"),
    "response_time": ("Waktu respons", "Response time"),
    "arrived": ("Tiba", "Arrived"),
    "departed": ("Berangkat", "Departed"),
    "open": ("Terbuka", "Open"),
    "matched_by": ("Dicocokkan dengan", "Matched by"),
    "visits_title": ("Kunjungan rumah dokter", "Doctor's home visits"),
    "doctor": ("Dokter", "Doctor"),
    "driver": ("Pengemudi", "Driver"),
    "diagnosis": ("Diagnosis", "Diagnosis"),
    "referral": ("Rujukan", "Referral"),
    "household": ("Rumah tangga", "Household"),
    "comp_given_short": ("Kompensasi diberikan", "Compensation given"),
    # ANC
    "anc_title": ("Ibu hamil dan ANC", "Pregnancies and ANC"),
    "standard_applied": ("Standar yang diterapkan", "Standard applied"),
    "choose_standard": ("Pilih standar", "Choose a standard"),
    "ongoing_pregnancies": ("Kehamilan berjalan", "Ongoing pregnancies"),
    "high_risk": ("Risiko tinggi", "High risk"),
    "overdue": ("Terlambat kunjungan", "Overdue"),
    "missing_10t": ("Item 10T kurang", "Missing 10T items"),
    "visits_by_trimester": ("Kunjungan per trimester", "Visits by trimester"),
    "mother": ("Ibu", "Mother"),
    "hpht": ("HPHT", "LMP (HPHT)"),
    "edd": ("Taksiran persalinan", "Expected delivery"),
    "ga_weeks": ("Usia kehamilan (minggu)", "Gestation (weeks)"),
    "next_visit": ("Kunjungan berikutnya", "Next visit"),
    "meets_standard": ("Sesuai standar", "Meets the standard"),
    "missing_visits": ("Kunjungan kurang", "Visits missing"),
    "risk_markers": ("Faktor risiko", "Risk markers"),
    "days_overdue": ("hari terlambat", "days overdue"),
    "show": ("Tampilkan", "Show"),
    "show_all": ("Semua", "All"),
    "visit_date": ("Tanggal kunjungan", "Visit date"),
    "trimester": ("Trimester", "Trimester"),
    "examiner": ("Pemeriksa", "Examiner"),
    "pregnancy": ("Kehamilan", "Pregnancy"),
    "reasons": ("Alasan", "Reasons"),
    "your_villages": ("Desa Anda", "Your villages"),
    "reason_visits": ("kurang {n} kunjungan di TM{t}", "{n} more visit(s) in T{t}"),
    "reason_doctor": ("belum diperiksa dokter di TM{t}", "no doctor contact in T{t}"),
    "reason_10t": ("item 10T belum pernah diberikan", "10T items never given"),
    # SPM
    "spm_title": ("Indikator Standar Pelayanan Minimal (SPM)", "Minimum Service Standard (SPM) indicators"),
    "year": ("Tahun", "Year"),
    "indicator": ("Indikator", "Indicator"),
    "numerator": ("Pembilang", "Numerator"),
    "denominator": ("Penyebut (terdaftar)", "Denominator (registered)"),
    "percent_registered": ("% atas terdaftar", "% of registered"),
    "target": ("Sasaran", "Target"),
    "percent_target": ("% atas sasaran", "% of target"),
    "definition": ("Definisi", "Definition"),
    "spm_note": ("Persentase atas sasaran memakai sasaran Dinkes yang diisi perencana dan bisa melebihi 100 %.",
                 "The target-based percentage uses the district's target entered by planners and can exceed 100 %."),
    "unsupported_services": ("Layanan SPM yang belum didukung data", "SPM services the data do not support yet"),
    # follow-ups
    "followups_title": ("Papan tindak lanjut kondisi rumah", "House-condition follow-up board"),
    "finding": ("Temuan", "Finding"),
    "found_on": ("Ditemukan", "Found on"),
    "state": ("Tahap", "State"),
    "outcome": ("Hasil", "Outcome"),
    "advance_to": ("Lanjut ke", "Move to"),
    "note": ("Catatan", "Note"),
    "history": ("Riwayat", "History"),
    "counts_by_village": ("Jumlah per desa dan tahap", "Counts by village and state"),
    "outcomes": ("Hasil yang tercatat", "Recorded outcomes"),
    "step_saved": ("Tahap tersimpan.", "Step saved."),
    # households
    "households_title": ("Rumah tangga", "Households"),
    "search": ("Cari (nama kepala / stiker)", "Search (head's name / sticker)"),
    "head": ("Kepala rumah tangga", "Head of household"),
    "address": ("Alamat", "Address"),
    "poverty": ("Status kemiskinan", "Poverty status"),
    "sticker": ("Stiker", "Sticker"),
    "kenthongan": ("Kenthongan", "Kenthongan"),
    "members": ("Anggota", "Members"),
    "name": ("Nama", "Name"),
    "sex": ("Jenis kelamin", "Sex"),
    "age": ("Umur", "Age"),
    "relation": ("Hubungan", "Relation"),
    "location": ("Lokasi", "Location"),
    "no_location": ("Belum ada titik GPS.", "No GPS point yet."),
    "submissions": ("Semua formulir tentang rumah ini", "Every form about this household"),
    "form": ("Formulir", "Form"),
    "version": ("Versi", "Version"),
    "source": ("Sumber", "Source"),
    "submitter": ("Pengirim", "Submitter"),
    "house_surveys": ("Survei kondisi rumah", "House-condition surveys"),
    "registered_on": ("Terdaftar", "Registered"),
    "coverage": ("Cakupan stiker dan kenthongan", "Sticker and kenthongan coverage"),
    "poor_households": ("Rumah tangga miskin", "Poor households"),
    "lone_elderly_households": ("Rumah lansia sebatang kara", "Households of lone elderly"),
    # admin
    "admin_title": ("Administrasi", "Administration"),
    "users": ("Pengguna", "Users"),
    "role": ("Peran", "Role"),
    "villages": ("Desa", "Villages"),
    "active": ("Aktif", "Active"),
    "add_user": ("Tambah pengguna", "Add a user"),
    "sources": ("Sumber data (ODK Central / Kobo)", "Data sources (ODK Central / Kobo)"),
    "settings": ("Pengaturan", "Settings"),
    "targets": ("Sasaran SPM", "SPM targets"),
    "audit": ("Log audit", "Audit log"),
    "api_tokens": ("Token API", "API tokens"),
    "new_token": ("Token baru (hanya ditampilkan sekali)", "New token (shown only once)"),
    "issue_token": ("Buat token", "Issue a token"),
    "revoke": ("Cabut", "Revoke"),
    "label": ("Label", "Label"),
    "deactivate": ("Nonaktifkan", "Deactivate"),
    "activate": ("Aktifkan", "Activate"),
    "saved": ("Tersimpan.", "Saved."),
    "when": ("Waktu", "When"),
    "action": ("Aksi", "Action"),
    "detail": ("Rincian", "Detail"),
    "user": ("Pengguna", "User"),
}


def lang() -> str:
    value = session.get("lang")
    return value if value in LANGUAGES else DEFAULT


def t(key: str, **values) -> str:
    pair = MESSAGES.get(key)
    text = key if pair is None else pair[LANGUAGES.index(lang())]
    return text.format(**values) if values else text


def pick(pair) -> str:
    """The right half of an (id, en) pair from the rules' label tables."""
    if not pair:
        return ""
    return pair[0] if lang() == "id" else pair[1]
