{{/* Names, labels and the pieces every hookflow pod shares (image, environment, secrets). */}}

{{- define "hookflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hookflow.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component (api, worker, migrate): never shared between two. */}}
{{- define "hookflow.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hookflow.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hookflow.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "hookflow.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Refuse values that cannot work, before anything is applied. */}}
{{- define "hookflow.validate" -}}
{{- if and (not .Values.secrets.existingSecret) (not .Values.vault.enabled) -}}
{{- fail "secrets.existingSecret is required (or vault.enabled with vault.files): hookflow never runs without its webhook secret and API token" -}}
{{- end -}}
{{- if and .Values.secrets.databaseUrlKey .Values.config.DATABASE_URL -}}
{{- fail "set DATABASE_URL either in secrets.databaseUrlKey (with a password) or in config.DATABASE_URL (passwordless), not both" -}}
{{- end -}}
{{- if and (not .Values.secrets.databaseUrlKey) (not .Values.config.DATABASE_URL) -}}
{{- fail "DATABASE_URL is required: secrets.databaseUrlKey (a key of secrets.existingSecret) or config.DATABASE_URL" -}}
{{- end -}}
{{- if and .Values.secrets.databaseUrlKey (not .Values.secrets.existingSecret) -}}
{{- fail "secrets.databaseUrlKey needs secrets.existingSecret" -}}
{{- end -}}
{{- end -}}

{{/* The environment of every hookflow container: settings from `config`, DATABASE_URL from
the Secret; with `files: true` also the …_FILE settings naming the mounted secrets. */}}
{{- define "hookflow.env" -}}
{{- $root := .root -}}
{{- range $name, $value := $root.Values.config }}
{{- if ne (toString $value) "" }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- if $root.Values.secrets.databaseUrlKey }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secrets.existingSecret }}
      key: {{ $root.Values.secrets.databaseUrlKey }}
{{- end }}
{{- if .files }}
{{- if $root.Values.secrets.existingSecret }}
{{- range $key, $setting := $root.Values.secrets.files }}
- name: {{ $setting }}
  value: /run/secrets/hookflow/{{ $key }}
{{- end }}
{{- if $root.Values.secrets.metricsTokenKey }}
- name: METRICS_TOKEN_FILE
  value: /run/secrets/hookflow/{{ $root.Values.secrets.metricsTokenKey }}
{{- end }}
{{- end }}
{{- if $root.Values.vault.enabled }}
{{- range $name, $file := $root.Values.vault.files }}
- name: {{ $file.setting }}
  value: /vault/secrets/{{ $name }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The existing Secret's keys as read-only files (group-readable: fsGroup is hookflow's). */}}
{{- define "hookflow.secretVolume" -}}
{{- if .Values.secrets.existingSecret }}
- name: secrets
  secret:
    secretName: {{ .Values.secrets.existingSecret }}
    defaultMode: 0440
    items:
      {{- range $key, $setting := .Values.secrets.files }}
      - key: {{ $key }}
        path: {{ $key }}
      {{- end }}
      {{- if .Values.secrets.metricsTokenKey }}
      - key: {{ .Values.secrets.metricsTokenKey }}
        path: {{ .Values.secrets.metricsTokenKey }}
      {{- end }}
{{- end }}
{{- end -}}

{{- define "hookflow.secretMount" -}}
{{- if .Values.secrets.existingSecret }}
- name: secrets
  mountPath: /run/secrets/hookflow
  readOnly: true
{{- end }}
{{- end -}}

{{/* A pod's annotations: Vault's agent injector (each vault.files entry rendered to
/vault/secrets/<name>) and the component's podAnnotations. Empty when there are none. */}}
{{- define "hookflow.podAnnotations" -}}
{{- $root := .root -}}
{{- if $root.Values.vault.enabled }}
vault.hashicorp.com/agent-inject: "true"
vault.hashicorp.com/role: {{ $root.Values.vault.role | quote }}
{{- range $name, $file := $root.Values.vault.files }}
vault.hashicorp.com/agent-inject-secret-{{ $name }}: {{ $file.path | quote }}
{{- if $file.template }}
vault.hashicorp.com/agent-inject-template-{{ $name }}: {{ $file.template | quote }}
{{- end }}
{{- end }}
{{- range $key, $value := $root.Values.vault.annotations }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end -}}
