import { useState } from 'react';
import {
  Alert,
  Button,
  Card,
  Center,
  Group,
  PasswordInput,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { plainError } from '../lib/plain.ts';
import { LanguagePicker } from './LanguagePicker.tsx';

/** Sign-in with an API key (obk_…); the key is kept in sessionStorage for this tab only. */
export function SignIn({ onSignIn }: { onSignIn: (key: string) => Promise<void> }) {
  const { t } = useTranslation('pages');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await onSignIn(key);
    } catch (e) {
      setError(plainError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Center mih="100vh" bg="gray.0">
      <Card w={460} withBorder shadow="sm" padding="xl">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Stack>
            <Group justify="space-between">
              <Title order={2}>{t('common:appName')}</Title>
              <LanguagePicker />
            </Group>
            {/* The menu item the hint names is the navigation's own label (same key). */}
            <Text c="dimmed" size="sm" data-testid="sign-in-hint">
              {t('signIn.hint', { menu: t('common:nav.tenants') })}
            </Text>
            <PasswordInput
              label={t('signIn.apiKey')}
              placeholder="obk_…"
              value={key}
              onChange={(e) => setKey(e.currentTarget.value)}
              data-testid="api-key"
              autoFocus
            />
            {error && (
              <Alert color="red" title={t('signIn.failed')}>
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy} disabled={!key.trim()}>
              {t('signIn.signIn')}
            </Button>
          </Stack>
        </form>
      </Card>
    </Center>
  );
}
