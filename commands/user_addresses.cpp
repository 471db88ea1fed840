// A user's saved addresses (rules in commands/user.h): at most
// kMaxAddresses, exactly one default while any exist.
#include <algorithm>

#include "commands/input_limits.h"
#include "commands/user.h"
#include "commands/user_detail.h"
#include "commands/validation.h"
#include "core/schemas/user_events_generated.h"
#include "core/text.h"

namespace orderly::commands {

using namespace user_detail;

namespace {

bool is_country_code(std::string_view c) {
  return c.size() == 2 && std::isupper(static_cast<unsigned char>(c[0])) &&
         std::isupper(static_cast<unsigned char>(c[1]));
}

bool is_phone(std::string_view p) {
  return p.size() <= kMaxPhoneBytes && std::all_of(p.begin(), p.end(), [](char c) {
           return (c >= '0' && c <= '9') || c == '+' || c == ' ' || c == '(' || c == ')' ||
                  c == '-';
         });
}

// One line of text: no control characters at all.
Status one_line(std::string_view field, std::string_view value, size_t min_len, size_t max_len) {
  ORDERLY_RETURN_IF_ERROR(require_text(field, value, min_len, max_len));
  if (value.find_first_of("\n\t") != std::string_view::npos)
    return Status::invalid_field(std::string(field), "must be one line");
  return Status::ok();
}

const Address* find_address(const UserState& u, const Uuid& id) {
  for (const Address& a : u.addresses) {
    if (a.address_id == id)
      return &a;
  }
  return nullptr;
}

flatbuffers::Offset<events::Address> build_address(flatbuffers::FlatBufferBuilder& b,
                                                   const Address& a) {
  return events::CreateAddressDirect(
      b, a.address_id.to_string().c_str(), a.name.c_str(), a.line1.c_str(), a.line2.c_str(),
      a.city.c_str(), a.postal_code.c_str(), a.country.c_str(), a.phone.c_str(), a.is_default);
}

void emit_address(EventSink& out, EventType type, const Uuid& user, const Address& a) {
  out.emit(Aggregate::kUser, user, type, [&](flatbuffers::FlatBufferBuilder& b) {
    const auto id = b.CreateString(user.to_string());
    const auto address = build_address(b, a);
    return type == EventType::kAddressAdded ? events::CreateAddressAdded(b, id, address).Union()
                                            : events::CreateAddressChanged(b, id, address).Union();
  });
}

}  // namespace

Status validate_address(const Address& a) {
  std::vector<FieldError> wrong;
  auto check = [&](const Status& st) { collect_fields(st, wrong); };
  check(one_line("name", a.name, 1, kMaxAddressNameBytes));
  check(one_line("line1", a.line1, 1, kMaxAddressNameBytes));
  check(one_line("line2", a.line2, 0, kMaxAddressLine2Bytes));
  check(one_line("city", a.city, 1, kMaxAddressNameBytes));
  check(one_line("postal_code", a.postal_code, 1, kMaxPostalCodeBytes));
  if (!is_country_code(a.country))
    wrong.push_back({"country", "must be an ISO 3166-1 alpha-2 code in capitals, e.g. FR"});
  if (!is_phone(a.phone))
    wrong.push_back({"phone", "must be at most 32 of the characters +0123456789 ()-"});
  if (!wrong.empty())
    return {ErrorCode::kInvalidArgument, "the address is not valid", std::move(wrong)};
  return Status::ok();
}

Status decide_add_address(const UserState* u, const AddAddress& c, const CommandMeta& meta,
                          EventSink& out) {
  if (u == nullptr || !may_manage(meta, c.user_id))
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  ORDERLY_RETURN_IF_ERROR(validate_address(c.address));
  if (c.address.address_id.is_nil() || find_address(*u, c.address.address_id) != nullptr)
    return Status::already_exists("address " + c.address.address_id.to_string() + " exists");
  if (u->addresses.size() >= kMaxAddresses)
    return Status::invalid_transition("an account keeps at most 20 addresses");
  Address a = c.address;
  a.is_default = a.is_default || u->addresses.empty();
  emit_address(out, EventType::kAddressAdded, c.user_id, a);
  return Status::ok();
}

Status decide_change_address(const UserState* u, const ChangeAddress& c, const CommandMeta& meta,
                             EventSink& out) {
  if (u == nullptr || !may_manage(meta, c.user_id))
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  const Address* old = find_address(*u, c.address_id);
  if (old == nullptr)
    return Status::not_found("address " + c.address_id.to_string() + " does not exist");
  Address a = *old;
  const AddressPatch& p = c.patch;
  auto set = [](std::string& field, const std::optional<std::string>& v) {
    if (v)
      field = *v;
  };
  set(a.name, p.name);
  set(a.line1, p.line1);
  set(a.line2, p.line2);
  set(a.city, p.city);
  set(a.postal_code, p.postal_code);
  set(a.country, p.country);
  set(a.phone, p.phone);
  // The default moves by naming another one: unsetting it alone would leave
  // none.
  if (p.is_default && *p.is_default)
    a.is_default = true;
  ORDERLY_RETURN_IF_ERROR(validate_address(a));
  const bool same = a.name == old->name && a.line1 == old->line1 && a.line2 == old->line2 &&
                    a.city == old->city && a.postal_code == old->postal_code &&
                    a.country == old->country && a.phone == old->phone &&
                    a.is_default == old->is_default;
  if (!same)
    emit_address(out, EventType::kAddressChanged, c.user_id, a);
  return Status::ok();
}

Status decide_remove_address(const UserState* u, const RemoveAddress& c, const CommandMeta& meta,
                             EventSink& out) {
  if (u == nullptr || !may_manage(meta, c.user_id))
    return user_not_found(c.user_id);
  ORDERLY_RETURN_IF_ERROR(require_active(*u, c.user_id));
  if (find_address(*u, c.address_id) == nullptr)
    return Status::not_found("address " + c.address_id.to_string() + " does not exist");
  out.emit(Aggregate::kUser, c.user_id, EventType::kAddressRemoved,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateAddressRemovedDirect(b, c.user_id.to_string().c_str(),
                                                       c.address_id.to_string().c_str());
           });
  return Status::ok();
}

}  // namespace orderly::commands
