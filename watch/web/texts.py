"""The fixed texts of the search page in its interface languages (en, fr, es), and the choice
of the language from ``?ui=`` or the browser's Accept-Language."""

from __future__ import annotations

__all__ = ["LANGUAGES", "TEXTS", "choose_language"]

LANGUAGES = ("en", "fr", "es")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "llwatch — the global watch on lifelong learning",
        "search": "Search",
        "query_label": "Search the watch (any language)",
        "placeholder": 'adult literacy, "learning cities", tvet OR apprenticeship',
        "syntax": "Query syntax",
        "syntax_help": 'Words: all must match. "exact phrase". a OR b. -word or NOT word: '
        "without. educat*: prefix. Fields: lang:fr topic:literacy country:SN "
        "source-country:africa source:uil since:2026-01-01 until:2026-03.",
        "sort": "Sort by",
        "relevance": "relevance",
        "date": "date",
        "results": "{total} results",
        "no_results": "No article matches. Try fewer words, or remove a filter.",
        "language": "Language",
        "topic": "Topic",
        "country": "Country mentioned",
        "source": "Source",
        "year": "Year",
        "filters": "Filters",
        "remove": "remove filter",
        "trend": "Articles per month",
        "trend_week": "Articles per week",
        "trend_day": "Articles per day",
        "trend_desc": "How many articles match the query in each period.",
        "export": "Export",
        "export_csv": "CSV",
        "export_jsonl": "JSON lines",
        "previous": "Previous",
        "next": "Next",
        "page": "Page {page} of {pages}",
        "interface": "Interface language",
        "original": "Read the original",
        "back": "Back to the results",
        "topics": "Topics",
        "countries": "Countries mentioned",
        "published": "Published",
        "similar": "{n} articles tell this story",
        "error": "Error",
        "not_found": "No such article.",
        "api": "JSON API",
        "digest": "Weekly digest",
        "source_country": "Source country",
        "since": "From",
        "until": "To",
        "coverage": "Coverage",
        "coverage_title": "Coverage by country",
        "coverage_intro": "Articles per country from {since} to {until}: from the country's own "
        "sources, and mentioning the country.",
        "coverage_summary": "{covered} of {total} countries covered; {gaps} with no article.",
        "countries_list": "Countries",
        "list_configured": "the watch's countries",
        "list_un": "UN member states",
        "show": "Show",
        "regions_chart": "Countries covered, per region",
        "regions_desc": "For each UNESCO region, how many of its countries have at least one "
        "article in the period: {figures}.",
        "country_col": "Country",
        "from_sources": "From its sources",
        "mentioned": "Mentioning it",
        "no_article": "no article",
        "gaps": "No article",
        "bars_note": "Bars on a logarithmic scale; a number opens the articles.",
        "download": "Download",
    },
    "fr": {
        "title": "llwatch — la veille mondiale sur l'apprentissage tout au long de la vie",
        "search": "Rechercher",
        "query_label": "Rechercher dans la veille (toutes langues)",
        "placeholder": 'alphabétisation des adultes, "villes apprenantes", fp OR apprentissage',
        "syntax": "Syntaxe des requêtes",
        "syntax_help": 'Mots : tous doivent figurer. "expression exacte". a OR b. -mot ou NOT '
        "mot : sans. format* : préfixe. Champs : lang:fr topic:literacy country:SN "
        "source-country:africa source:uil since:2026-01-01 until:2026-03.",
        "sort": "Trier par",
        "relevance": "pertinence",
        "date": "date",
        "results": "{total} résultats",
        "no_results": "Aucun article ne correspond. Essayez moins de mots ou retirez un filtre.",
        "language": "Langue",
        "topic": "Thème",
        "country": "Pays cité",
        "source": "Source",
        "year": "Année",
        "filters": "Filtres",
        "remove": "retirer le filtre",
        "trend": "Articles par mois",
        "trend_week": "Articles par semaine",
        "trend_day": "Articles par jour",
        "trend_desc": "Nombre d'articles correspondant à la requête par période.",
        "export": "Exporter",
        "export_csv": "CSV",
        "export_jsonl": "lignes JSON",
        "previous": "Précédent",
        "next": "Suivant",
        "page": "Page {page} sur {pages}",
        "interface": "Langue de l'interface",
        "original": "Lire l'original",
        "back": "Retour aux résultats",
        "topics": "Thèmes",
        "countries": "Pays cités",
        "published": "Publié le",
        "similar": "{n} articles racontent cette histoire",
        "error": "Erreur",
        "not_found": "Article introuvable.",
        "api": "API JSON",
        "digest": "Sélection de la semaine",
        "source_country": "Pays de la source",
        "since": "Du",
        "until": "Au",
        "coverage": "Couverture",
        "coverage_title": "Couverture par pays",
        "coverage_intro": "Articles par pays du {since} au {until} : issus des sources du pays, "
        "et citant le pays.",
        "coverage_summary": "{covered} pays couverts sur {total} ; {gaps} sans aucun article.",
        "countries_list": "Pays",
        "list_configured": "les pays de la veille",
        "list_un": "États membres de l'ONU",
        "show": "Afficher",
        "regions_chart": "Pays couverts, par région",
        "regions_desc": "Pour chaque région de l'UNESCO, combien de ses pays ont au moins un "
        "article sur la période : {figures}.",
        "country_col": "Pays",
        "from_sources": "De ses sources",
        "mentioned": "Le citant",
        "no_article": "aucun article",
        "gaps": "Aucun article",
        "bars_note": "Barres à l'échelle logarithmique ; un nombre ouvre les articles.",
        "download": "Télécharger",
    },
    "es": {
        "title": "llwatch — el observatorio mundial del aprendizaje a lo largo de toda la vida",
        "search": "Buscar",
        "query_label": "Buscar en el observatorio (cualquier idioma)",
        "placeholder": 'alfabetización de adultos, "ciudades del aprendizaje", fp OR aprendices',
        "syntax": "Sintaxis de las consultas",
        "syntax_help": 'Palabras: todas deben aparecer. "frase exacta". a OR b. -palabra o NOT '
        "palabra: sin. educa*: prefijo. Campos: lang:fr topic:literacy country:SN "
        "source-country:africa source:uil since:2026-01-01 until:2026-03.",
        "sort": "Ordenar por",
        "relevance": "pertinencia",
        "date": "fecha",
        "results": "{total} resultados",
        "no_results": "Ningún artículo coincide. Pruebe con menos palabras o quite un filtro.",
        "language": "Idioma",
        "topic": "Tema",
        "country": "País mencionado",
        "source": "Fuente",
        "year": "Año",
        "filters": "Filtros",
        "remove": "quitar el filtro",
        "trend": "Artículos por mes",
        "trend_week": "Artículos por semana",
        "trend_day": "Artículos por día",
        "trend_desc": "Cuántos artículos coinciden con la consulta en cada período.",
        "export": "Exportar",
        "export_csv": "CSV",
        "export_jsonl": "líneas JSON",
        "previous": "Anterior",
        "next": "Siguiente",
        "page": "Página {page} de {pages}",
        "interface": "Idioma de la interfaz",
        "original": "Leer el original",
        "back": "Volver a los resultados",
        "topics": "Temas",
        "countries": "Países mencionados",
        "published": "Publicado el",
        "similar": "{n} artículos cuentan esta noticia",
        "error": "Error",
        "not_found": "Artículo no encontrado.",
        "api": "API JSON",
        "digest": "Selección semanal",
        "source_country": "País de la fuente",
        "since": "Desde",
        "until": "Hasta",
        "coverage": "Cobertura",
        "coverage_title": "Cobertura por país",
        "coverage_intro": "Artículos por país del {since} al {until}: de las fuentes del país, "
        "y que mencionan el país.",
        "coverage_summary": "{covered} de {total} países cubiertos; {gaps} sin ningún artículo.",
        "countries_list": "Países",
        "list_configured": "los países del observatorio",
        "list_un": "Estados miembros de la ONU",
        "show": "Mostrar",
        "regions_chart": "Países cubiertos, por región",
        "regions_desc": "Para cada región de la UNESCO, cuántos de sus países tienen al menos un "
        "artículo en el período: {figures}.",
        "country_col": "País",
        "from_sources": "De sus fuentes",
        "mentioned": "Que lo mencionan",
        "no_article": "ningún artículo",
        "gaps": "Ningún artículo",
        "bars_note": "Barras en escala logarítmica; un número abre los artículos.",
        "download": "Descargar",
    },
}


def choose_language(asked: str | None, accept_language: str | None) -> str:
    """``?ui=`` when it is one of LANGUAGES, else the browser's preferred one among them (by
    Accept-Language quality), else English."""
    if asked in LANGUAGES:
        return asked
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower()[:2]
        if code in LANGUAGES and quality > 0:
            ranked.append((-quality, n, code))
    return min(ranked)[2] if ranked else "en"
