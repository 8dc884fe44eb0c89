// The body of POST /inbox/api/conversations/{id}/messages: the send route's body (messages/schema.ts)
// without phone_number, since the conversation names the contact. Derived from the send body's own
// branches, so a message type or rule added there is here too; only the descriptions of the two
// fields that name a message change, because here they also take our message id.
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { SEND_BODY_KINDS, SEND_BODY_WORDING, SendWhatsAppBody, type SendRequest } from '../messages/schema.js';

/** A send request without its recipient: what an agent posts. */
export type AnswerRequest = SendRequest extends infer R ? (R extends unknown ? Omit<R, 'phone_number'> : never) : never;

const TARGET =
  'The message to reply to, in this conversation: our message id (`id` of GET …/messages) or its wamid (`whatsapp_message_id`)';
const REACTION_TARGET =
  'The message to react to, in this conversation: our message id (`id` of GET …/messages) or its wamid (`whatsapp_message_id`)';

const withDescription = (s: TSchema, description: string): TSchema => ({ ...s, description });

/** One branch of the send body, without phone_number, its target fields described for agents. */
function answerBranch(branch: TObject): TObject {
  const examples = ((branch['examples'] as Record<string, unknown>[] | undefined) ?? []).map(
    ({ phone_number: _recipient, ...rest }) => rest,
  );
  const omitted = Type.Omit(branch, ['phone_number'], { examples });
  const props: Record<string, TSchema> = { ...omitted.properties };
  const context = props['context_message_id'];
  if (context !== undefined && branch.properties['message_type']?.['const'] !== 'reaction')
    props['context_message_id'] = withDescription(context, TARGET);
  const reaction = props['reaction'] as TObject | undefined;
  if (reaction !== undefined)
    props['reaction'] = {
      ...reaction,
      properties: {
        ...reaction.properties,
        message_id: withDescription(reaction.properties['message_id']!, REACTION_TARGET),
      },
    };
  return { ...omitted, properties: props };
}

const SEND_BRANCHES = (SendWhatsAppBody as unknown as { oneOf: TObject[] }).oneOf;

export const AnswerBody = Type.Unsafe<AnswerRequest>({
  type: 'object',
  title: 'Answer in a conversation',
  description:
    'The fields of POST /send-whatsapp for the chosen message_type, without phone_number: the conversation names the contact.',
  required: ['message_type'],
  discriminator: { propertyName: 'message_type' },
  oneOf: SEND_BRANCHES.map(answerBranch),
});

/** The send route's 400 wording, knowing that phone_number is no field of an answer. */
export const ANSWER_BODY_WORDING = {
  ...SEND_BODY_WORDING,
  kinds: SEND_BODY_KINDS.map((k) =>
    k.path !== ''
      ? k
      : {
          ...k,
          fields: Object.fromEntries(
            Object.entries(k.fields).map(([kind, fields]) => [kind, fields.filter((f) => f !== 'phone_number')]),
          ),
        },
  ),
};
