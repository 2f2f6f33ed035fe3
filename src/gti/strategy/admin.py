"""Read-only admin: the secretariat reads the loaded strategy here; changes go through the files."""

from django.contrib import admin

from gti.strategy import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InlineReadOnly(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PriorityInline(InlineReadOnly):
    model = models.Priority
    fields = ["code", "reference", "title_nl", "share"]


@admin.register(models.Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "is_current", "name_nl", "loaded_at"]
    list_filter = ["is_current"]
    exclude = ["source", "content_hash"]
    inlines = [PriorityInline]


@admin.register(models.SpecificObjective)
class SpecificObjectiveAdmin(ReadOnlyAdmin):
    list_display = ["code", "title_nl", "priority"]
    list_filter = ["priority__programme__is_current", "priority__code"]
    filter_horizontal = ["indicators"]


@admin.register(models.Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "unit_nl", "name_nl", "territorial"]
    list_filter = ["kind", "territorial", "programme__is_current"]
    search_fields = ["code", "name_nl", "name_en"]


class PrincipleInline(InlineReadOnly):
    model = models.Principle
    fields = ["code", "text_nl", "mandatory"]


class ThemeInline(InlineReadOnly):
    model = models.Theme
    fields = ["code", "name_nl"]


class AreaInline(InlineReadOnly):
    model = models.Area
    fields = ["code", "name", "kind", "admitted"]

    def get_queryset(self, request):
        return models.Area.all_areas.all()  # the areas the strategy does not admit too


class ApprovalInline(InlineReadOnly):
    model = models.StrategyApproval
    fields = ["member", "signed_at"]
    readonly_fields = ["signed_at"]
    show_change_link = False


@admin.register(models.Strategy)
class StrategyAdmin(ReadOnlyAdmin):
    list_display = ["city", "version", "is_current", "status", "programme", "loaded_at"]
    list_filter = ["city", "is_current", "status"]
    exclude = ["source", "content_hash"]
    inlines = [PrincipleInline, ThemeInline, AreaInline, ApprovalInline]


class ExampleActionInline(InlineReadOnly):
    model = models.ExampleAction
    fields = ["group_nl", "text_nl", "text_en"]


@admin.register(models.Theme)
class ThemeAdmin(ReadOnlyAdmin):
    list_display = ["name_nl", "strategy"]
    list_filter = ["strategy__city", "strategy__is_current"]
    inlines = [ExampleActionInline]


@admin.register(models.PolicyReference)
class PolicyReferenceAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "title_nl", "strategy"]
    list_filter = ["strategy__city", "kind", "strategy__is_current"]
    search_fields = ["code", "title_nl", "title_en"]


admin.site.register(models.City, ReadOnlyAdmin)


@admin.register(models.Area)
class AreaAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "admitted", "strategy"]
    list_filter = ["strategy__city", "admitted", "strategy__is_current"]

    def get_queryset(self, request):
        return models.Area.all_areas.select_related("strategy__city")


admin.site.register(models.Principle, ReadOnlyAdmin)
