import { useState } from 'react';
import { Alert, Button, Card, Center, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { messageOf } from '../api.ts';

/** Sign-in with an API key (obk_…); the key is kept in sessionStorage for this tab only. */
export function SignIn({ onSignIn }: { onSignIn: (key: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await onSignIn(key);
    } catch (e) {
      setError(messageOf(e));
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
            <Title order={2}>Outbound</Title>
            <Text c="dimmed" size="sm">
              Sign in with an API key. A system administrator key is printed by the first{' '}
              <code>outbound serve</code>; tenant keys are created under Settings.
            </Text>
            <PasswordInput
              label="API key"
              placeholder="obk_…"
              value={key}
              onChange={(e) => setKey(e.currentTarget.value)}
              data-testid="api-key"
              autoFocus
            />
            {error && (
              <Alert color="red" title="Sign-in failed">
                {error}
              </Alert>
            )}
            <Button type="submit" loading={busy} disabled={!key.trim()}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Card>
    </Center>
  );
}
