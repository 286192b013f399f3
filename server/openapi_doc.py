"""The OpenAPI 3.0 description of ``/api/v1`` (served at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any


def _nullable(kind: str, **extra) -> dict:
    return {"type": kind, "nullable": True, **extra}


def _listing(item_ref: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 500},
            "total": {"type": "integer", "minimum": 0},
            "next": _nullable("string", description="URL of the next page, null on the last"),
        },
    }


PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000000, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
    {"name": "village", "in": "query", "description": "Kemendagri village code", "schema": {"type": "string"}},
]

ERRORS = {
    "400": {"description": "A parameter is out of range", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "401": {"description": "No or an invalid token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "403": {"description": "The token's role may not read this", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
}


def _list_op(summary: str, ref: str, roles: str, extra_params: list | None = None) -> dict:
    return {"get": {
        "summary": summary,
        "description": f"Roles: {roles}.",
        "parameters": PAGE_PARAMS + (extra_params or []),
        "responses": {"200": {"description": "One page", "content": {"application/json": {"schema": _listing(ref)}}}, **ERRORS},
    }}


def document(standards: list[str]) -> dict[str, Any]:
    standard_param = {"name": "standard", "in": "query", "description": "ANC standard preset applied",
                      "schema": {"type": "string", "enum": standards}}
    s, i, n, b = "string", "integer", "number", "boolean"
    household = {"type": "object", "properties": {
        "uuid": {"type": s}, "village_code": _nullable(s), "village_name": _nullable(s), "dusun": _nullable(s),
        "rw": _nullable(s), "rt": _nullable(s), "address": _nullable(s), "head_name": _nullable(s),
        "latitude": _nullable(n), "longitude": _nullable(n), "poverty_status": _nullable(s),
        "member_count": _nullable(i), "elderly_count": _nullable(i), "lone_elderly_count": _nullable(i),
        "pregnant_count": _nullable(i), "under_five_count": _nullable(i), "sticker_serial": _nullable(s),
        "kenthongan_status": _nullable(s), "registered_on": _nullable(s, format="date")}, "required": ["uuid"]}
    household_detail = {"allOf": [{"$ref": "#/components/schemas/Household"}, {"type": "object", "properties": {
        "members": {"type": "array", "items": {"type": "object"}},
        "submissions": {"type": "array", "items": {"type": "object"}}}}]}
    request_ = {"type": "object", "required": ["request_id", "status", "open"], "properties": {
        "request_id": {"type": s}, "received_at": {"type": s, "format": "date-time"}, "village_code": _nullable(s),
        "household_uuid": _nullable(s), "patient_name": _nullable(s), "channel": _nullable(s), "urgency": _nullable(s),
        "status": {"type": s, "enum": ["on_time", "late", "breach", "cancelled"]}, "open": {"type": b},
        "elapsed_minutes": _nullable(i), "compensation_owed": {"type": b}, "compensation_given": {"type": b},
        "matched_by": _nullable(s)}}
    visit = {"type": "object", "properties": {
        "id": {"type": i}, "request_id": _nullable(s), "household_uuid": _nullable(s), "village_code": _nullable(s),
        "patient_name": _nullable(s), "received_at": _nullable(s, format="date-time"),
        "departed_at": _nullable(s, format="date-time"), "arrived_at": _nullable(s, format="date-time"),
        "response_minutes": _nullable(i), "response_status": _nullable(s), "compensation_owed": _nullable(b),
        "compensation_given": _nullable(b), "diagnosis": _nullable(s), "icd10": _nullable(s), "referral": _nullable(s)}}
    pregnancy = {"type": "object", "required": ["uuid"], "properties": {
        "uuid": {"type": s}, "household_uuid": _nullable(s), "village_code": _nullable(s), "mother_name": _nullable(s),
        "hpht": _nullable(s, format="date"), "edd": _nullable(s, format="date"), "first_visit_on": _nullable(s, format="date"),
        "standard": {"type": s}, "meets_standard": {"type": b}, "reasons": {"type": "array", "items": {"type": s}},
        "visits_by_trimester": {"type": "object", "additionalProperties": {"type": i}},
        "visits_missing_10t": {"type": i}, "ongoing": {"type": b}, "next_visit_due": _nullable(s, format="date"),
        "overdue": {"type": b}, "risk_markers": {"type": "array", "items": {"type": s}}}}
    indicator = {"type": "object", "required": ["code", "year", "numerator", "denominator"], "properties": {
        "code": {"type": s}, "service_no": {"type": i}, "year": {"type": i},
        "village_code": _nullable(s, description="null: all villages together"),
        "numerator": {"type": i}, "denominator": {"type": i}, "percent": _nullable(n), "target": _nullable(n),
        "target_percent": _nullable(n), "definition_id": {"type": s}, "definition_en": {"type": s}}}
    indicators = {"type": "object", "required": ["year", "standard", "items"], "properties": {
        "year": {"type": i},
        "standard": {"type": "object", "properties": {"key": {"type": s}, "name_id": {"type": s}, "name_en": {"type": s}}},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "CHIPS Puskesmas Sempu API", "version": "1",
                 "description": "Read-only access to households, visit requests, home visits, pregnancies and SPM "
                                "indicators. Times are UTC. A bidan's token sees her villages only."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/households": _list_op("Households", "#/components/schemas/Household", "planner, team, admin"),
            "/households/{uuid}": {"get": {
                "summary": "One household with its members and submissions", "description": "Roles: planner, team, admin.",
                "parameters": [{"name": "uuid", "in": "path", "required": True, "schema": {"type": s}}],
                "responses": {"200": {"description": "The household", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HouseholdDetail"}}}},
                              "404": {"description": "Unknown or outside your villages", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                              **ERRORS}}},
            "/requests": _list_op("Visit requests with their response status", "#/components/schemas/Request", "planner, team, admin"),
            "/visits": _list_op("Home visits", "#/components/schemas/Visit", "planner, team, admin"),
            "/pregnancies": _list_op("Pregnancies judged under an ANC standard", "#/components/schemas/Pregnancy",
                                     "planner, bidan (her villages), admin", [standard_param]),
            "/indicators": {"get": {
                "summary": "SPM indicators of a year, per village and in total", "description": "Roles: planner, admin.",
                "parameters": [{"name": "year", "in": "query", "schema": {"type": i, "minimum": 2000, "maximum": 2100}},
                               standard_param,
                               {"name": "village", "in": "query", "schema": {"type": s}}],
                "responses": {"200": {"description": "The indicator rows", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Indicators"}}}}, **ERRORS}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": s}}},
                "Household": household, "HouseholdDetail": household_detail, "Request": request_, "Visit": visit,
                "Pregnancy": pregnancy, "Indicator": indicator, "Indicators": indicators,
            },
        },
    }
